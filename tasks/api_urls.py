from django.urls import path

from tasks import api
from tasks.api import member as member_api
from tasks.api import steward as steward_api

urlpatterns = [
    path("projects/", api.ProjectListApi.as_view(), name="projects"),
    path("projects/<int:pk>/", api.ProjectDetailApi.as_view(), name="project"),
    path("projects/<int:pk>/tasks/", api.ProjectTasksApi.as_view(), name="project_tasks"),
    path("projects/<int:pk>/publish/", api.ProjectPublishApi.as_view(), name="project_publish"),
    path("projects/<int:pk>/pause/", api.ProjectPauseApi.as_view(), name="project_pause"),
    path("projects/<int:pk>/resume/", api.ProjectResumeApi.as_view(), name="project_resume"),
    path("projects/<int:pk>/cancel/", api.ProjectCancelApi.as_view(), name="project_cancel"),
    path("projects/<int:pk>/assignments/", api.AssignmentListApi.as_view(), name="project_assignments"),
    path("projects/<int:pk>/assignments/approve/", api.AssignmentsApproveApi.as_view(), name="assignments_approve"),
    path("assignments/<int:pk>/approve/", api.AssignmentApproveApi.as_view(), name="assignment_approve"),
    path("assignments/<int:pk>/reject/", api.AssignmentRejectApi.as_view(), name="assignment_reject"),
    path("assignments/<int:pk>/revision/", api.AssignmentRevisionApi.as_view(), name="assignment_revision"),
    path("assignments/<int:pk>/bonus/", api.AssignmentBonusApi.as_view(), name="assignment_bonus"),
    path("projects/<int:pk>/claim/", member_api.ProjectClaimApi.as_view(), name="project_claim"),
    # the member's side (tasks/member_api.py)
    path("work/", member_api.WorkFeedApi.as_view(), name="work_feed"),
    path("work/assignments/", member_api.MyWorkApi.as_view(), name="work_mine"),
    path("work/assignments/<int:pk>/", member_api.WorkAssignmentApi.as_view(), name="work_assignment"),
    path("work/assignments/<int:pk>/draft/", member_api.WorkDraftApi.as_view(), name="work_draft"),
    path("work/assignments/<int:pk>/submit/", member_api.WorkSubmitApi.as_view(), name="work_submit"),
    path("work/assignments/<int:pk>/return/", member_api.WorkReturnApi.as_view(), name="work_return"),
    # the stewards' review of country-restricted projects (issue 23; tasks/api/steward.py)
    path("steward/projects/", steward_api.StewardProjectListApi.as_view(), name="steward_projects"),
    path("steward/projects/<int:pk>/approve/", steward_api.StewardProjectApproveApi.as_view(),
         name="steward_project_approve"),
    path("steward/projects/<int:pk>/refuse/", steward_api.StewardProjectRefuseApi.as_view(),
         name="steward_project_refuse"),
]

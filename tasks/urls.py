from django.urls import path

from tasks.views import country_review, member, requester, sandbox, support, toolkit

urlpatterns = [
    # members
    path("work/", member.feed, name="feed"),
    path("work/mine/", member.my_work, name="mine"),
    path("work/support/", support.support, name="support"),
    path("work/watch/", member.project_watch, name="watch_coop"),
    path("work/projects/<int:pk>/", member.project_detail, name="project"),
    path("work/projects/<int:pk>/claim/", member.project_claim, name="claim"),
    path("work/projects/<int:pk>/consent/", member.project_consent, name="consent"),
    path("work/projects/<int:pk>/watch/", member.project_watch, name="watch"),
    path("work/assignments/<int:pk>/", member.assignment_work, name="assignment"),
    path("work/assignments/<int:pk>/draft/", member.assignment_draft, name="assignment_draft"),
    # stewards: country-restricted projects awaiting review (issue 23)
    path("steward/projects/", country_review.steward_projects, name="steward_projects"),
    path("steward/projects/<int:pk>/decide/", country_review.steward_project_decide, name="steward_project_decide"),
    # requesters
    path("requester/projects/", requester.project_list, name="requester_projects"),
    path("requester/review/", requester.review_queue, name="requester_queue"),
    path("requester/projects/new/", requester.project_create, name="requester_project_create"),
    path("requester/projects/cost/", requester.project_cost, name="requester_cost"),
    path("requester/projects/form-preview/", toolkit.form_preview, name="requester_form_preview"),
    path("requester/templates/", toolkit.template_list, name="requester_templates"),
    path("requester/templates/<slug:slug>/sample.csv", toolkit.template_csv, name="requester_template_csv"),
    path("requester/projects/<int:pk>/", requester.project_detail, name="requester_project"),
    path("requester/projects/<int:pk>/edit/", requester.project_edit, name="requester_project_edit"),
    path("requester/projects/<int:pk>/preview/", requester.project_preview, name="requester_preview"),
    path("requester/projects/<int:pk>/upload/", requester.project_upload, name="requester_upload"),
    path("requester/projects/<int:pk>/review/", requester.review, name="requester_review"),
    path("requester/projects/<int:pk>/results.csv", requester.review_csv, name="requester_results_csv"),
    path("requester/projects/<int:pk>/publish/", requester.project_publish, name="requester_publish"),
    path("requester/projects/<int:pk>/floor/", requester.project_floor_raise, name="requester_floor_raise"),
    path("requester/projects/<int:pk>/<str:action>/", requester.project_action, name="requester_action"),
    path("requester/imports/<int:pk>/", requester.import_status, name="requester_import"),
    path("requester/sandbox/enter/", sandbox.enter, name="sandbox_enter"),
    path("requester/sandbox/money/", sandbox.money, name="sandbox_money"),
    path("requester/sandbox/leave/", sandbox.leave, name="sandbox_leave"),
    path("requester/assignments/<int:pk>/", requester.assignment_review, name="requester_assignment"),
]

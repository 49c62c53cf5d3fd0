from django.urls import path

from tasks.qualifications import api

urlpatterns = [
    path("qualifications/", api.QualificationListApi.as_view(), name="list"),
    path("qualifications/mine/", api.MyQualificationsApi.as_view(), name="mine"),
    path("qualifications/<int:pk>/", api.QualificationDetailApi.as_view(), name="detail"),
    path("qualifications/<int:pk>/versions/", api.QualificationVersionApi.as_view(), name="versions"),
    path("qualifications/<int:pk>/explain/", api.QualificationExplainApi.as_view(), name="explain"),
    path("qualifications/tests/", api.TestCreateApi.as_view(), name="tests"),
    path("qualifications/tests/<int:pk>/fund/", api.TestFundApi.as_view(), name="test_fund"),
    path("qualifications/tests/<int:pk>/attempts/", api.AttemptStartApi.as_view(), name="attempt_start"),
    path("qualifications/attempts/<int:pk>/submit/", api.AttemptSubmitApi.as_view(), name="attempt_submit"),
    path("projects/<int:pk>/qualifications/", api.ProjectQualificationsApi.as_view(), name="project_qualifications"),
]

from django.urls import path

from accounts import api as member_api
from accounts.requesters import api

urlpatterns = [
    path("requester/organisations/", api.OrganisationListApi.as_view(), name="organisations"),
    path("requester/organisation/", api.OrganisationMeApi.as_view(), name="organisation_me"),
    path("requester/terms/", api.TermsApi.as_view(), name="terms"),
    path("requester/terms/accept/", api.TermsAcceptApi.as_view(), name="terms_accept"),
    path("requester/staff/", api.StaffListApi.as_view(), name="staff"),
    path("requester/staff/<int:pk>/", api.StaffDetailApi.as_view(), name="staff_detail"),
    path("requester/invitations/", api.InvitationListApi.as_view(), name="invitations"),
    path("requester/invitations/<int:pk>/revoke/", api.InvitationRevokeApi.as_view(), name="invitation_revoke"),
    path("requester/invitations/accept/", api.InvitationAcceptApi.as_view(), name="invitation_accept"),
    path("requester/keys/", api.ApiKeyListApi.as_view(), name="api_keys"),
    path("requester/keys/<int:pk>/revoke/", api.ApiKeyRevokeApi.as_view(), name="api_key_revoke"),
    # a member's data rights (issue 15)
    path("me/data-exports/", member_api.DataExportListApi.as_view(), name="data_exports"),
    path("me/data-exports/<int:pk>/", member_api.DataExportDetailApi.as_view(), name="data_export"),
    path("me/data-exports/<int:pk>/download/", member_api.DataExportDownloadApi.as_view(),
         name="data_export_download"),
    path("me/erasure/", member_api.MemberErasureApi.as_view(), name="erasure"),
]

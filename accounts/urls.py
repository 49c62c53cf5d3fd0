from django.urls import path

from accounts import views
from accounts.requesters import views as requesters

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/confirm/<str:uidb64>/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("profile/", views.profile, name="profile"),
    path("notices/read/", views.notices_read, name="notices_read"),
    # a member's data rights (issue 15)
    path("account/data/", views.data_rights, name="data_rights"),
    path("account/data/export/", views.data_export_create, name="data_export_create"),
    path("account/data/exports/<int:pk>/", views.data_export_status, name="data_export"),
    path("account/data/exports/<int:pk>/download/", views.data_export_download, name="data_export_download"),
    path("account/data/erase/", views.member_erase, name="member_erase"),
    # a member's own keys for the member API (issue 18)
    path("account/keys/", views.member_keys, name="member_keys"),
    path("account/keys/<int:pk>/revoke/", views.member_key_revoke, name="member_key_revoke"),
    # requesters
    path("requester/", requesters.requester_home, name="requester_home"),
    path("requester/register/", requesters.requester_register, name="requester_register"),
    path("requester/edit/", requesters.requester_edit, name="requester_edit"),
    path("requester/terms/", requesters.requester_terms, name="requester_terms"),
    path("requester/invitations/", requesters.invitation_create, name="invitation_create"),
    path("requester/invitations/<int:pk>/revoke/", requesters.invitation_revoke, name="invitation_revoke"),
    path("requester/join/<str:token>/", requesters.invitation_accept, name="invitation_accept"),
    path("requester/staff/<int:pk>/role/", requesters.staff_role, name="staff_role"),
    path("requester/staff/<int:pk>/remove/", requesters.staff_remove, name="staff_remove"),
    path("requester/keys/", requesters.api_key_create, name="api_key_create"),
    path("requester/keys/<int:pk>/revoke/", requesters.api_key_revoke, name="api_key_revoke"),
    path("requesters/<slug:slug>/", requesters.organisation_profile, name="organisation_profile"),
    path("operator/requesters/", requesters.operator_organisations, name="operator_organisations"),
    path("operator/requesters/<int:pk>/suspend/", requesters.operator_suspend, name="operator_suspend"),
    path("operator/requesters/<int:pk>/unsuspend/", requesters.operator_unsuspend, name="operator_unsuspend"),
]

"""The requester's API: its organisation, terms, staff, invitations and API keys.

Session users on several organisations say which with `?organisation=<id>`; an API key
always acts for its own organisation. Writes go through `accounts.requesters.services`."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors
from accounts.models import ApiKey, Organisation, OrganisationStaff, StaffInvitation
from accounts.requesters import services
from coop.core.api import ERROR, CursorPagination
from coop.federation.access import Scope, requester_staff_require

ORG_PARAM = OpenApiParameter("organisation", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                             description="Which of your organisations (session users on several; "
                                         "an API key always acts for its own).")


def _organisation(request):
    return selectors.organisation_for_request(request=request,
                                              organisation_id=request.query_params.get("organisation"))


# --- serializers -------------------------------------------------------------------------------

class OrganisationSerializer(serializers.ModelSerializer):
    suspended = serializers.SerializerMethodField()
    terms_current = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = ["id", "name", "slug", "country", "contact_email", "website", "description", "created_at",
                  "suspended", "terms_current"]

    def get_suspended(self, org) -> bool:
        return org.is_suspended

    def get_terms_current(self, org) -> bool:
        flag = getattr(org, "terms_current_flag", None)
        return flag if flag is not None else selectors.organisation_terms_current(organisation=org)


class OrganisationInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=160)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class OrganisationUpdateSerializer(OrganisationInputSerializer):
    name = serializers.CharField(max_length=160, required=False)


class TermsVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField()
    published_at = serializers.DateTimeField()


class TermsAcceptanceSerializer(serializers.Serializer):
    version = serializers.IntegerField(source="version.number")
    accepted_at = serializers.DateTimeField()


class TermsStateSerializer(serializers.Serializer):
    latest = TermsVersionSerializer(allow_null=True)
    accepted = TermsAcceptanceSerializer(allow_null=True)
    current = serializers.BooleanField()


class TermsAcceptInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class StaffSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")

    class Meta:
        model = OrganisationStaff
        fields = ["id", "email", "role", "created_at"]


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.CharField()
    created_by = serializers.EmailField(source="created_by.email")

    class Meta:
        model = StaffInvitation
        fields = ["id", "email", "role", "status", "created_by", "created_at", "expires_at", "accepted_at",
                  "revoked_at"]


class InvitationInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=OrganisationStaff.Role.choices, default=OrganisationStaff.Role.STAFF)


class InvitationAcceptInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200)


class ApiKeySerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(source="created_by.email")
    active = serializers.BooleanField(source="is_active")
    world = serializers.SerializerMethodField(help_text="Where the key acts: real, or the organisation's sandbox "
                                                        "(test money; docs/sandbox.md).")

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scopes", "created_by", "created_at", "last_used_at", "revoked_at",
                  "active", "world"]
        extra_kwargs = {"scopes": {"help_text": "What the key may do: read, projects, review, admin."}}

    def get_world(self, key) -> str:
        return "sandbox" if key.organisation.sandbox_of_id is not None else "real"


class ApiKeyCreatedSerializer(ApiKeySerializer):
    secret = serializers.CharField(help_text="Shown this once: Atelier keeps only a keyed hash of it.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "secret"]


class ApiKeyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ApiKey.Scope.choices), min_length=1, max_length=len(ApiKey.Scope),
        help_text="What the key may do (at least one): read, projects, review, admin (owners only; every admin "
                  "request then carries the owner's password in the X-Atelier-Password header).")


def _valid(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- organisations -----------------------------------------------------------------------------

class OrganisationListApi(ListAPIView):
    """The organisations I am on the staff of; POST registers a new one (I become its owner)."""

    required_scope = {"GET": Scope.READ}  # registering one (POST) is a person's

    serializer_class = OrganisationSerializer
    pagination_class = CursorPagination

    def get_queryset(self):
        return selectors.organisations_annotate_terms(selectors.organisations_of(user=self.request.user))

    @extend_schema(operation_id="organisations_mine", responses={200: OrganisationSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="organisation_register", request=OrganisationInputSerializer,
                   responses={201: OrganisationSerializer, 400: ERROR})
    def post(self, request):
        data = _valid(OrganisationInputSerializer, request)
        organisation = services.organisation_register(user=request.user, **data)
        return Response(OrganisationSerializer(organisation).data, status=status.HTTP_201_CREATED)


class OrganisationMeApi(APIView):
    required_scope = {"GET": Scope.READ, "PATCH": Scope.ADMIN}

    @extend_schema(operation_id="organisation_me", parameters=[ORG_PARAM],
                   responses={200: OrganisationSerializer, 403: ERROR, 404: ERROR},
                   summary="The organisation I act for")
    def get(self, request):
        return Response(OrganisationSerializer(_organisation(request)).data)

    @extend_schema(operation_id="organisation_update", parameters=[ORG_PARAM], request=OrganisationUpdateSerializer,
                   responses={200: OrganisationSerializer, 400: ERROR, 403: ERROR})
    def patch(self, request):
        organisation = _organisation(request)
        data = _valid(OrganisationUpdateSerializer, request, partial=True)
        organisation = services.organisation_update(user=request.user, organisation=organisation, **data)
        return Response(OrganisationSerializer(organisation).data)


# --- terms -------------------------------------------------------------------------------------

def _terms_state(organisation):
    return TermsStateSerializer({
        "latest": selectors.terms_latest(),
        "accepted": selectors.organisation_terms_accepted(organisation=organisation),
        "current": selectors.organisation_terms_current(organisation=organisation),
    }).data


class TermsApi(APIView):
    required_scope = Scope.READ

    @extend_schema(operation_id="terms_state", parameters=[ORG_PARAM], responses={200: TermsStateSerializer},
                   summary="The federation's latest terms and what my organisation accepted")
    def get(self, request):
        return Response(_terms_state(_organisation(request)))


class TermsAcceptApi(APIView):
    required_scope = Scope.ADMIN

    @extend_schema(operation_id="terms_accept", parameters=[ORG_PARAM], request=TermsAcceptInputSerializer,
                   responses={200: TermsStateSerializer, 403: ERROR, 409: ERROR},
                   summary="Accept the latest terms (owners only)")
    def post(self, request):
        organisation = _organisation(request)
        data = _valid(TermsAcceptInputSerializer, request)
        services.terms_accept(user=request.user, organisation=organisation, version=data["version"])
        return Response(_terms_state(organisation))


# --- staff and invitations ---------------------------------------------------------------------

class StaffListApi(ListAPIView):
    required_scope = Scope.READ

    serializer_class = StaffSerializer
    pagination_class = CursorPagination

    def get_queryset(self):
        return selectors.organisation_staff_list(organisation=_organisation(self.request))

    @extend_schema(operation_id="staff_list", parameters=[ORG_PARAM], responses={200: StaffSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StaffRoleInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=OrganisationStaff.Role.choices)


class StaffDetailApi(APIView):
    """Change a staff member's role (owners) or remove them (owners, or oneself to leave).
    An organisation keeps at least one owner (409 `last_owner`)."""

    required_scope = Scope.ADMIN

    def _staff(self, request, pk):
        organisation = _organisation(request)
        return get_object_or_404(OrganisationStaff.objects.select_related("user", "organisation"), pk=pk,
                                 organisation=organisation)

    @extend_schema(operation_id="staff_role_change", parameters=[ORG_PARAM], request=StaffRoleInputSerializer,
                   responses={200: StaffSerializer, 403: ERROR, 404: ERROR, 409: ERROR})
    def patch(self, request, pk):
        staff = self._staff(request, pk)
        data = _valid(StaffRoleInputSerializer, request)
        staff = services.staff_role_change(user=request.user, staff=staff, role=data["role"])
        return Response(StaffSerializer(staff).data)

    @extend_schema(operation_id="staff_remove", parameters=[ORG_PARAM], request=None,
                   responses={204: None, 403: ERROR, 404: ERROR, 409: ERROR})
    def delete(self, request, pk):
        services.staff_remove(user=request.user, staff=self._staff(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationListApi(ListAPIView):
    """Invitations of my organisation; POST invites someone by email (owners only): the link
    is emailed to them, never returned here."""

    required_scope = Scope.ADMIN

    serializer_class = InvitationSerializer
    pagination_class = CursorPagination

    def get_queryset(self):
        organisation = _organisation(self.request)
        requester_staff_require(self.request.user, organisation_id=organisation.pk,
                                             role=OrganisationStaff.Role.OWNER)
        return selectors.organisation_invitations(organisation=organisation)

    @extend_schema(operation_id="invitations_list", parameters=[ORG_PARAM],
                   responses={200: InvitationSerializer(many=True), 403: ERROR})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="invitation_create", parameters=[ORG_PARAM], request=InvitationInputSerializer,
                   responses={201: InvitationSerializer, 400: ERROR, 403: ERROR, 409: ERROR})
    def post(self, request):
        organisation = _organisation(request)
        data = _valid(InvitationInputSerializer, request)
        invitation, _token = services.invitation_create(user=request.user, organisation=organisation,
                                                        email=data["email"], role=data["role"],
                                                        link_base=request.build_absolute_uri("/"))
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationRevokeApi(APIView):
    required_scope = Scope.ADMIN

    @extend_schema(operation_id="invitation_revoke", parameters=[ORG_PARAM], request=None,
                   responses={200: InvitationSerializer, 403: ERROR, 404: ERROR, 409: ERROR})
    def post(self, request, pk):
        organisation = _organisation(request)
        invitation = get_object_or_404(StaffInvitation.objects.select_related("created_by"), pk=pk,
                                       organisation=organisation)
        invitation = services.invitation_revoke(user=request.user, invitation=invitation)
        return Response(InvitationSerializer(invitation).data)


class InvitationAcceptApi(APIView):
    required_scope = None  # the invited person's, logged in

    @extend_schema(operation_id="invitation_accept", request=InvitationAcceptInputSerializer,
                   responses={201: StaffSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
                   summary="Accept an invitation with the token from its link (logged in as the invited email)")
    def post(self, request):
        data = _valid(InvitationAcceptInputSerializer, request)
        staff = services.invitation_accept(user=request.user, token=data["token"])
        return Response(StaffSerializer(staff).data, status=status.HTTP_201_CREATED)


# --- API keys ----------------------------------------------------------------------------------

class ApiKeyListApi(ListAPIView):
    """My organisation's API keys (never their secrets); POST creates one and returns its
    secret this once."""

    required_scope = {"GET": Scope.READ, "POST": Scope.ADMIN}

    serializer_class = ApiKeySerializer
    pagination_class = CursorPagination

    def get_queryset(self):
        return selectors.organisation_api_keys(organisation=_organisation(self.request))

    @extend_schema(operation_id="api_keys_list", parameters=[ORG_PARAM], responses={200: ApiKeySerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="api_key_create", parameters=[ORG_PARAM], request=ApiKeyInputSerializer,
                   responses={201: ApiKeyCreatedSerializer, 400: ERROR, 403: ERROR})
    def post(self, request):
        organisation = _organisation(request)
        data = _valid(ApiKeyInputSerializer, request)
        key, secret = services.api_key_create(user=request.user, organisation=organisation, name=data["name"],
                                              scopes=data["scopes"])
        body = ApiKeySerializer(key).data
        body["secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED)


class ApiKeyRevokeApi(APIView):
    required_scope = Scope.ADMIN

    @extend_schema(operation_id="api_key_revoke", parameters=[ORG_PARAM], request=None,
                   responses={200: ApiKeySerializer, 403: ERROR, 404: ERROR, 409: ERROR},
                   summary="Revoke a key: the next request with it fails")
    def post(self, request, pk):
        organisation = _organisation(request)
        key = get_object_or_404(ApiKey.objects.select_related("organisation", "created_by"), pk=pk,
                                organisation=organisation)
        key = services.api_key_revoke(user=request.user, key=key)
        return Response(ApiKeySerializer(key).data)

import factory

from accounts.models import MemberProfile, User
from coop.federation import rulebook as spec
from coop.federation.models import Article, Coop, Federation, Membership, RulebookVersion
from coop.federation.services import DEFAULT_ARTICLES

__all__ = ["UserFactory", "FederationFactory", "CoopFactory", "MembershipFactory", "member", "steward", "operator"]

PASSWORD = "pass-word-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def profile(obj, create, extracted, **kwargs):
        obj.save()
        if create:
            MemberProfile.objects.create(user=obj, display_name=kwargs.get("display_name", f"Person {obj.pk}"),
                                         country="MG", languages=["fr", "en"])


class FederationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Federation
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = "Test Federation"
    currency = "USD"

    @factory.post_generation
    def rulebook(obj, create, extracted, **kwargs):
        if create and not RulebookVersion.objects.filter(coop__isnull=True).exists():
            RulebookVersion.objects.create(coop=None, number=1, parameters=spec.default_federation_bounds())


class CoopFactory(factory.django.DjangoModelFactory):
    """A coop with rulebook v1 (defaults, overridable with `params={...}`) and the default articles."""

    class Meta:
        model = Coop
        skip_postgeneration_save = True

    federation = factory.SubFactory(FederationFactory)
    name = factory.Sequence(lambda n: f"Coop {n}")
    slug = factory.Sequence(lambda n: f"coop-{n}")
    country = "MG"

    @factory.post_generation
    def params(obj, create, extracted, **kwargs):
        if not create:
            return
        parameters = spec.default_parameters()
        parameters.update(extracted or {})
        version = RulebookVersion.objects.create(coop=obj, number=1, parameters=parameters)
        Article.objects.bulk_create(
            Article(rulebook=version, number=n, title=t, body=b) for n, t, b in DEFAULT_ARTICLES
        )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    coop = factory.SubFactory(CoopFactory)
    role = Membership.Role.MEMBER
    status = Membership.Status.ACTIVE
    statement = "I would like to join this coop."
    joined_at = factory.LazyFunction(lambda: __import__("django.utils.timezone").utils.timezone.now())


def member(coop=None, **kwargs):
    """An active member (returns the membership)."""
    return MembershipFactory(coop=coop or CoopFactory(), **kwargs)


def steward(coop=None, **kwargs):
    return MembershipFactory(coop=coop or CoopFactory(), role=Membership.Role.STEWARD, **kwargs)


def operator():
    return UserFactory(is_staff=True, is_superuser=True)

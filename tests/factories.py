import datetime as dt

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from kindred.accounts.models import User
from kindred.orgs.models import Membership, Organization, Role
from kindred.programs.models import Program
from kindred.registration.models import Registration

PASSWORD = "correct-horse-battery"


def _today() -> dt.date:
    return timezone.localdate()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    # Deterministic names: a random one ("Katherine") can match a search term ("erin").
    name = factory.Sequence(lambda n: f"Person {n}")
    job_title = "Engineer"
    department = "Engineering"

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save()
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    description = "Pairs people to grow."
    purpose = "career"
    structure = "traditional"
    # Dates relative to today (a program opening for registration now), so no test starts
    # failing on the day a fixed date goes by.
    registration_opens_on = factory.LazyFunction(lambda: _today())
    registration_closes_on = factory.LazyFunction(lambda: _today() + dt.timedelta(days=19))
    starts_on = factory.LazyFunction(lambda: _today() + dt.timedelta(days=40))
    ends_on = factory.LazyFunction(lambda: _today() + dt.timedelta(days=303))


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    program = factory.SubFactory(ProgramFactory)
    user = factory.SubFactory(UserFactory)
    role = "mentee"
    status = "submitted"

"""Who may do what on a Shipyard server: five roles, each one able to do what the one below it
can, and a little more.

The ladder is deliberate (Azure DevOps and Jenkins teams know it): reading is for everyone
with a token; contributors start runs and open, review and complete pull requests; approvers
may also vote on environment approvals (and only on the environments whose approvers name
them, which :mod:`shipyard.deliver.approvals` checks); release managers start releases and
roll back; admins manage tokens and may override a branch policy, which the audit log keeps.
One table decides, so the role matrix test can walk every route against it.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Role(IntEnum):
    VIEWER = 10
    CONTRIBUTOR = 20
    APPROVER = 30
    RELEASE_MANAGER = 40
    ADMIN = 50

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")

    @classmethod
    def parse(cls, text: str) -> Role:
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        for role in cls:
            if role.name.lower() == key:
                return role
        raise ValueError(f"unknown role {text!r}: expected one of {', '.join(ROLE_NAMES)}")


ROLE_NAMES = tuple(r.label for r in Role)


class Permission(StrEnum):
    READ = "read"
    TRIGGER = "trigger"  # start a run
    CONTRIBUTE = "contribute"  # open, review, complete pull requests
    APPROVE = "approve"  # vote on an environment's approval
    RELEASE = "release"  # start a release, roll back
    ADMINISTER = "administer"  # tokens, policy overrides


MINIMUM: dict[Permission, Role] = {
    Permission.READ: Role.VIEWER,
    Permission.TRIGGER: Role.CONTRIBUTOR,
    Permission.CONTRIBUTE: Role.CONTRIBUTOR,
    Permission.APPROVE: Role.APPROVER,
    Permission.RELEASE: Role.RELEASE_MANAGER,
    Permission.ADMINISTER: Role.ADMIN,
}


def allows(role: Role, permission: Permission) -> bool:
    return role >= MINIMUM[permission]


def refusal(user: str, role: Role, permission: Permission) -> str:
    need = MINIMUM[permission]
    return f"{user} is {role.label}; {permission.value} needs the role {need.label} or above"

"""General practice clusters: clusters, practices, prescribers, packages, meetings and data extracts."""

from .clusters import Cluster, ClusterMembership, Practice, Prescriber, Provider, ProviderMembership
from .extracts import Extract, ExtractRow
from .meetings import DiscussionAnswer, GoalLevel, Meeting, MeetingGoal
from .packages import AntibioticGroup, Package, PackageItem

__all__ = [
    "AntibioticGroup",
    "Cluster",
    "ClusterMembership",
    "DiscussionAnswer",
    "Extract",
    "ExtractRow",
    "GoalLevel",
    "Meeting",
    "MeetingGoal",
    "Package",
    "PackageItem",
    "Practice",
    "Prescriber",
    "Provider",
    "ProviderMembership",
]

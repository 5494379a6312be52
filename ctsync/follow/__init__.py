"""Changes in the hub within seconds: change notifications from a queue and the Messages API,
applied with the version rule, acknowledged only once the hub committed them."""

from ctsync.follow.apply import AppliedBatch, ChangeApplier, EntityApplied
from ctsync.follow.changes import Change, NotAChange, latest, parse_body, parse_message
from ctsync.follow.loop import FollowedBatch, LoopSettings, follow, follow_once
from ctsync.follow.queue import ChangeQueue, Delivery

__all__ = [
    "AppliedBatch",
    "Change",
    "ChangeApplier",
    "ChangeQueue",
    "Delivery",
    "EntityApplied",
    "FollowedBatch",
    "LoopSettings",
    "NotAChange",
    "follow",
    "follow_once",
    "latest",
    "parse_body",
    "parse_message",
]

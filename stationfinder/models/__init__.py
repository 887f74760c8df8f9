"""Models, one module per entity; imported here so metadata sees every table."""

from stationfinder.models.api_token import ApiToken
from stationfinder.models.audit import AuditEntry
from stationfinder.models.base import Base, UTCDateTime, utcnow
from stationfinder.models.checkin import CATEGORIES, Checkin, CheckinRollup, DeviceDay, DevicePresence
from stationfinder.models.dataset_version import DatasetVersion
from stationfinder.models.demand import DemandCount
from stationfinder.models.outbox import OutboxMessage
from stationfinder.models.poster import Poster
from stationfinder.models.report import Report, ReportConfirmation, ReportEvent, ReportPhoto
from stationfinder.models.rollup import (
    CheckinAreaDay,
    CheckinAreaHour,
    CheckinAreaMonth,
    CheckinStationDay,
    CheckinStationMonth,
    CheckinStationQuarter,
    CheckinStationYear,
)
from stationfinder.models.station import Station, StationAccess, StationStatus
from stationfinder.models.user import Role, User, manager_station
from stationfinder.models.webhook import Webhook

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Base",
    "CATEGORIES",
    "Checkin",
    "CheckinAreaDay",
    "CheckinAreaHour",
    "CheckinAreaMonth",
    "CheckinRollup",
    "CheckinStationDay",
    "CheckinStationMonth",
    "CheckinStationQuarter",
    "CheckinStationYear",
    "DatasetVersion",
    "DemandCount",
    "DeviceDay",
    "DevicePresence",
    "OutboxMessage",
    "Poster",
    "Report",
    "ReportConfirmation",
    "ReportEvent",
    "ReportPhoto",
    "Role",
    "Station",
    "StationAccess",
    "StationStatus",
    "User",
    "UTCDateTime",
    "Webhook",
    "manager_station",
    "utcnow",
]

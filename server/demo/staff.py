"""The demo organisation: a lender, two outsourced agencies, three teams and their people."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from server.demo import geography as geo
from server.demo.names import birth_date, mobile, national_id, person_name
from server.demo.rows import Dataset, local
from server.models import Agency, AgencyKind, Device, Role, Team, User

LENDER_CODE = "LENDER"
_AGENCIES = (
    (LENDER_CODE, "浦江消费金融有限公司", AgencyKind.LENDER),
    ("SHENCHENG", "申诚信达商务咨询有限公司", AgencyKind.OUTSOURCED),
    ("HULIAN", "沪联企业管理咨询有限公司", AgencyKind.OUTSOURCED),
)
# code, name, agency, territory, office point, office label
_TEAMS = (
    ("PD1", "浦东一组", "SHENCHENG", ("浦东新区", "闵行区", "奉贤区", "金山区"),
     (31.2296, 121.5260), "浦东新区张杨路500号华润时代广场18楼"),
    ("PX1", "浦西一组", "HULIAN", ("黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "松江区"),
     (31.1950, 121.4370), "徐汇区漕溪北路398号汇智大厦9楼"),
    ("PX2", "浦西二组", "HULIAN", ("虹口区", "杨浦区", "宝山区", "嘉定区", "青浦区", "崇明区"),
     (31.2700, 121.5110), "虹口区四平路421号美丽园大厦12楼"),
)
COLLECTORS_PER_TEAM = 4
_PHONES = ("华为 Mate 60", "小米 14", "OPPO Reno 11", "vivo X100", "荣耀 Magic6", "iPhone 15")


@dataclass
class Staff:
    """Who is who, for the builders that follow and for the printed logins."""

    lender: dict
    agencies: dict[str, dict]
    teams: list[dict]
    collectors: dict[str, list[dict]] = field(default_factory=dict)  # team id -> collectors
    dispatchers: dict[str, dict] = field(default_factory=dict)  # agency id -> dispatcher
    devices: dict[str, str] = field(default_factory=dict)  # user id -> device id
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)  # user, role, team, who


def build_staff(data: Dataset, password_hash: str) -> Staff:
    """Agencies, teams, 12 collectors, 2 dispatchers, a compliance officer and an admin."""
    agencies = {code: data.add(Agency, code=code, name=name, kind=kind, jurisdiction="CN")
                for code, name, kind in _AGENCIES}
    teams = [data.add(Team, agency_id=agencies[agency]["id"], code=code, name=name,
                      territory=list(territory), time_zone=geo.TIME_ZONE, office_lat=office[0],
                      office_lng=office[1], office_label=label)
             for code, name, agency, territory, office, label in _TEAMS]
    staff = Staff(lender=agencies[LENDER_CODE], agencies=agencies, teams=teams)
    users = _Users(data, password_hash, staff)
    for number, team in enumerate(t for t in teams for _ in range(COLLECTORS_PER_TEAM)):
        collector = users.add(Role.COLLECTOR, team, **_credentials(data, number, team))
        staff.collectors.setdefault(team["id"], []).append(collector)
        staff.devices[collector["id"]] = data.add(
            Device, id=f"demo-{collector['username'].replace('.', '-')}",
            user_id=collector["id"], label=data.rng.choice(_PHONES),
            registered_at=local(data.today - timedelta(days=60), 8 * 60 + number),
            last_seen_at=local(data.today, 8 * 60 + 30 + number), schema_version=1)["id"]
    for team in (teams[0], teams[1]):  # one dispatcher per outsourced agency
        staff.dispatchers[team["agency_id"]] = users.add(Role.DISPATCHER, team)
    users.add(Role.COMPLIANCE, None)
    users.add(Role.ADMIN, None)
    return staff


class _Users:
    """Adds users with unique pinyin usernames and the one shared demo password hash."""

    def __init__(self, data: Dataset, password_hash: str, staff: Staff):
        self.data, self.password_hash, self.staff = data, password_hash, staff
        self.taken_usernames: set[str] = set()
        self.taken_phones: set[str] = set()

    def add(self, role: str, team: dict | None, **extra) -> dict:
        rng = self.data.rng
        gender = rng.choice("MF")
        name, username = person_name(rng, gender)
        if role in (Role.COMPLIANCE, Role.ADMIN):
            username = role
        base, suffix = username, 2
        while username in self.taken_usernames:
            username, suffix = f"{base}{suffix}", suffix + 1
        self.taken_usernames.add(username)
        agency_id = team["agency_id"] if team else self.staff.lender["id"]
        row = self.data.add(User, username=username, password_hash=self.password_hash,
                            role=role, display_name=name, agency_id=agency_id,
                            team_id=team["id"] if team else None,
                            phone=mobile(rng, self.taken_phones), active=True, **extra)
        row.setdefault("national_id", national_id(
            rng, birth_date(rng, self.data.today, 24, 50), gender, None))
        who = name
        expires = extra.get("certification_expires_on")
        if expires is not None and expires < self.data.today:
            who += f" (certification expired {expires}: not dispatched)"
        elif expires is not None and expires <= self.data.today + timedelta(days=30):
            who += f" (certification expires {expires})"
        self.staff.logins.append((username, role, team["name"] if team else "-", who))
        return row


def _credentials(data: Dataset, number: int, team: dict) -> dict:
    """Collector credentials and home base; collector 5 expires soon, collector 12 has expired."""
    rng, today = data.rng, data.today
    if number == 4:
        expires = today + timedelta(days=9)
    elif number == 11:
        expires = today - timedelta(days=20)
    else:
        expires = today + timedelta(days=rng.randint(90, 700))
    district = geo.pick_district(rng, tuple(team["territory"]))
    lat, lng = geo.jitter(rng, district.lat, district.lng, 3000)
    return {
        "certification_no": f"SH-CSZ-{today.year - rng.randint(0, 2)}-{rng.randrange(10**5):05d}",
        "certification_expires_on": expires,
        "training_completed_on": today - timedelta(days=rng.randint(20, 330)),
        "base_lat": lat, "base_lng": lng,
        "base_label": f"住所：{district.name}{geo.estate_name(rng)}",
        "shift_start_min": 9 * 60, "shift_end_min": 18 * 60, "daily_capacity": 8,
    }


def certified(collector: dict, today) -> bool:
    """Whether a collector's certification is valid today (expired ones are not dispatched)."""
    return collector["certification_expires_on"] >= today

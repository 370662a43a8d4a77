"""Shanghai for the demo: 16 districts, approximate WGS-84 centres, roads and address text.

Centres are rounded public coordinates of each district's core, good to a few hundred metres;
estate (小区) and building names are composed from common words, not taken from a register.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from server.clock import OPERATION_ZONE
from server.demo.names import SHANGHAI_AREA

PROVINCE = CITY = "上海市"
TIME_ZONE = OPERATION_ZONE  # the demo operation is in Shanghai
# (south, west, north, east): the municipality including Chongming, with a small margin.
BBOX = (30.66, 120.85, 31.90, 122.12)


@dataclass(frozen=True)
class District:
    name: str
    lat: float
    lng: float
    weight: float  # share of debtors, roughly the resident population in millions
    roads: tuple[str, ...]

    @property
    def adcode(self) -> str:
        return SHANGHAI_AREA[self.name]


def _d(name: str, lat: float, lng: float, weight: float, roads: str) -> District:
    return District(name, lat, lng, weight, tuple(roads.split()))


DISTRICTS = (
    _d("黄浦区", 31.2317, 121.4846, 0.66, "西藏中路 河南南路 复兴中路 淮海中路 陆家浜路 瞿溪路"),
    _d("徐汇区", 31.1885, 121.4365, 1.11, "漕溪北路 天钥桥路 田林路 龙华中路 宜山路 虹梅路"),
    _d("长宁区", 31.2204, 121.4241, 0.69, "仙霞路 天山路 遵义路 虹桥路 古北路 金钟路"),
    _d("静安区", 31.2465, 121.4555, 0.97, "共和新路 大统路 延长中路 万荣路 江场路 广中西路"),
    _d("普陀区", 31.2495, 121.3974, 1.24, "曹杨路 真北路 铜川路 长寿路 金沙江路 武宁路"),
    _d("虹口区", 31.2646, 121.5050, 0.70, "四平路 曲阳路 东江湾路 临平路 场中路 大连西路"),
    _d("杨浦区", 31.2826, 121.5228, 1.20, "控江路 国和路 长阳路 黄兴路 政立路 延吉东路"),
    _d("闵行区", 31.1127, 121.3817, 2.65, "莘松路 七莘路 沪闵路 都市路 银都路 莲花南路"),
    _d("宝山区", 31.4052, 121.4897, 2.24, "牡丹江路 友谊路 共康路 泰和路 殷高西路 淞滨路"),
    _d("嘉定区", 31.3749, 121.2655, 1.83, "城中路 清河路 博乐路 胜辛路 塔城路 金沙路"),
    _d("浦东新区", 31.2215, 121.5447, 5.68, "张杨路 浦东南路 东方路 杨高中路 金桥路 川沙路 "
                                           "康桥路 上南路 锦绣路 浦建路"),
    _d("金山区", 30.7417, 121.3420, 0.82, "卫清西路 蒙山路 石化大道 龙山路 朱泾路 亭林路"),
    _d("松江区", 31.0322, 121.2275, 1.91, "人民北路 中山中路 荣乐东路 谷阳北路 新松江路 文诚路"),
    _d("青浦区", 31.1510, 121.1241, 1.27, "城中北路 青松路 公园路 华青路 崧泽大道 外青松公路"),
    _d("奉贤区", 30.9180, 121.4740, 1.14, "南桥路 解放东路 环城东路 百齐路 望园路 运河北路"),
    _d("崇明区", 31.6230, 121.3970, 0.64, "人民路 八一路 翠竹路 东门路 南门路 北门路"),
)
BY_NAME = {d.name: d for d in DISTRICTS}

_ESTATE_HEADS = ("锦绣", "阳光", "金桥", "东方", "新华", "华林", "春江", "明珠", "绿洲", "和平",
                 "梅园", "兰馨", "枫林", "翠湖", "龙华", "康乐", "馨苑", "丽都", "御景", "长风")
_ESTATE_TAILS = ("花园", "新村", "苑", "公寓", "家园", "小区", "名邸", "雅苑", "城")
_OFFICE_TAILS = ("大厦", "广场", "中心", "商务楼", "科技园")


def in_bbox(lat: float | None, lng: float | None) -> bool:
    """Whether a point lies inside Shanghai's bounding box."""
    south, west, north, east = BBOX
    return lat is not None and lng is not None and south <= lat <= north and west <= lng <= east


def jitter(rng: random.Random, lat: float, lng: float, max_m: float) -> tuple[float, float]:
    """A point uniformly within max_m metres of (lat, lng), rounded to ~0.1 m."""
    distance = max_m * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(bearing) / 111_320
    dlng = distance * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lng + dlng, 6)


def pick_district(rng: random.Random, names: tuple[str, ...] | None = None) -> District:
    """A district drawn by population weight, optionally among the given names."""
    pool = [d for d in DISTRICTS if names is None or d.name in names]
    return rng.choices(pool, weights=[d.weight for d in pool])[0]


def estate_name(rng: random.Random) -> str:
    """A plausible residential estate name such as 锦绣花园."""
    return rng.choice(_ESTATE_HEADS) + rng.choice(_ESTATE_TAILS)


def home_address(rng: random.Random, district: District) -> tuple[str, str]:
    """(raw_text, street) for a flat, e.g. 上海市浦东新区张杨路1234弄锦绣苑5号601室."""
    road = rng.choice(district.roads)
    lane = f"{road}{rng.randint(1, 2400)}弄"
    estate = estate_name(rng) if rng.random() < 0.6 else ""
    flat = f"{rng.randint(1, 40)}号{rng.randint(1, 18)}{rng.randint(1, 4):02d}室"
    return f"{PROVINCE}{district.name}{lane}{estate}{flat}", lane


def work_address(rng: random.Random, district: District) -> tuple[str, str]:
    """(raw_text, street) for an office, e.g. 上海市徐汇区漕溪北路88号明珠大厦12楼."""
    street = f"{rng.choice(district.roads)}{rng.randint(1, 1800)}号"
    building = rng.choice(_ESTATE_HEADS) + rng.choice(_OFFICE_TAILS)
    return f"{PROVINCE}{district.name}{street}{building}{rng.randint(2, 30)}楼", street

"""Synthetic Chinese people: names composed from character lists, checksummed ids, phones.

Every name is drawn at random from common surname and given-name characters; no list of real
persons is used. Each character carries its pinyin so staff logins can read like `wang.jie`.
"""

from __future__ import annotations

import itertools
import random
from datetime import date


def _entries(text: str) -> tuple[str, ...]:
    """'王wang 李li' -> ('王wang', '李li'): a character followed by its pinyin."""
    return tuple(text.split())


# Common surnames, roughly in order of frequency (earlier ones are drawn more often).
_SURNAMES = _entries(
    "王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 赵zhao 吴wu 周zhou 徐xu 孙sun 马ma 朱zhu "
    "胡hu 郭guo 何he 林lin 高gao 罗luo 郑zheng 梁liang 谢xie 宋song 唐tang 许xu 韩han 冯feng "
    "邓deng 曹cao 彭peng 曾zeng 田tian 董dong 潘pan 袁yuan 蔡cai 蒋jiang 余yu 杜du 叶ye "
    "程cheng 魏wei 苏su 吕lv 丁ding 沈shen 姚yao 陆lu 顾gu 钱qian 施shi 严yan 金jin 汪wang "
    "范fan 戴dai 毛mao 邵shao 倪ni 龚gong 俞yu 方fang 秦qin 夏xia"
)
# Rank-based weights: 王 ends up near 9%, the last surnames near 1% of names.
_SURNAME_CUM = tuple(itertools.accumulate(1 / (rank + 4) for rank in range(len(_SURNAMES))))

_MALE = _entries(
    "伟wei 强qiang 磊lei 军jun 勇yong 杰jie 涛tao 斌bin 浩hao 鹏peng 超chao 明ming 俊jun "
    "辉hui 健jian 峰feng 波bo 宇yu 刚gang 建jian 国guo 文wen 华hua 志zhi 龙long 海hai 林lin "
    "晨chen 凯kai 毅yi 坤kun 祥xiang 东dong 亮liang 博bo 昊hao 嘉jia 轩xuan 振zhen 宏hong"
)

_FEMALE = _entries(
    "芳fang 娜na 敏min 静jing 丽li 艳yan 娟juan 霞xia 燕yan 玲ling 婷ting 雪xue 慧hui 颖ying "
    "琳lin 洁jie 佳jia 倩qian 莉li 萍ping 红hong 梅mei 晶jing 琴qin 欣xin 怡yi 璐lu 蕾lei "
    "悦yue 薇wei 茜qian 雯wen 瑶yao 婧jing 岚lan 清qing 秀xiu 丹dan 莹ying 露lu"
)

# Area codes used in the first six digits: Shanghai's districts, then common home provinces
# of people working in Shanghai (Jiangsu, Zhejiang, Anhui, Henan, Sichuan, Hubei, Jiangxi).
SHANGHAI_AREA = {
    "黄浦区": "310101", "徐汇区": "310104", "长宁区": "310105", "静安区": "310106",
    "普陀区": "310107", "虹口区": "310109", "杨浦区": "310110", "闵行区": "310112",
    "宝山区": "310113", "嘉定区": "310114", "浦东新区": "310115", "金山区": "310116",
    "松江区": "310117", "青浦区": "310118", "奉贤区": "310120", "崇明区": "310151",
}
_OTHER_AREAS = ("320102", "320583", "330106", "330282", "340104", "341202", "410105",
                "411302", "510107", "420111", "360102", "321323")

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150",
                    "151", "152", "153", "155", "156", "157", "158", "159", "166", "173",
                    "177", "180", "181", "182", "183", "185", "186", "187", "188", "189",
                    "191", "199")


def _split(entry: str) -> tuple[str, str]:
    return entry[0], entry[1:]


def person_name(rng: random.Random, gender: str) -> tuple[str, str]:
    """A synthetic full name and its pinyin ('王杰', 'wang.jie') for gender 'M' or 'F'."""
    surname, surname_py = _split(rng.choices(_SURNAMES, cum_weights=_SURNAME_CUM)[0])
    pool = _MALE if gender == "M" else _FEMALE
    chars = [_split(rng.choice(pool)) for _ in range(1 if rng.random() < 0.35 else 2)]
    if len(chars) == 2 and chars[0][0] == chars[1][0] and rng.random() < 0.7:
        chars.pop()
    given = "".join(c for c, _ in chars)
    given_py = "".join(p for _, p in chars)
    return surname + given, f"{surname_py}.{given_py}"


def id_check_digit(first17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character of the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def valid_national_id(value: str) -> bool:
    """Whether an 18-character resident id has the right shape, birth date and check digit."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return value[17] == id_check_digit(value[:17])


def national_id(rng: random.Random, born: date, gender: str, district: str | None) -> str:
    """A synthetic, valid-looking 18-digit id: area, birth date, sequence (odd = male), check."""
    if district in SHANGHAI_AREA and rng.random() < 0.55:
        area = SHANGHAI_AREA[district]
    else:
        area = rng.choice(_OTHER_AREAS)
    sequence = rng.randrange(0, 999)
    if (sequence % 2 == 1) != (gender == "M"):
        sequence += 1
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_digit(first17)


def mobile(rng: random.Random, taken: set[str]) -> str:
    """A synthetic 11-digit mainland mobile number not handed out before in this run."""
    while True:
        number = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if number not in taken:
            taken.add(number)
            return number


def birth_date(rng: random.Random, today: date, min_age: int, max_age: int) -> date:
    """A birth date giving an age between min_age and max_age today."""
    start = date(today.year - max_age, 1, 1).toordinal()
    end = date(today.year - min_age, 12, 31).toordinal()
    return date.fromordinal(rng.randint(start, end))

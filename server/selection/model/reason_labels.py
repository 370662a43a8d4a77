"""What each reason code means, in English and Chinese, for dispatchers and collectors."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {  # code -> (en, zh)
    "DPD_FAVOURS_VISIT": ("Days past due favour a visit", "逾期天数有利于上门"),
    "DPD_AGAINST_VISIT": ("Days past due speak against a visit", "逾期天数不利于上门"),
    "BUCKET_FAVOURS_VISIT": ("Delinquency bucket favours a visit", "逾期阶段有利于上门"),
    "BUCKET_AGAINST_VISIT": ("Delinquency bucket speaks against a visit", "逾期阶段不利于上门"),
    "BALANCE_FAVOURS_VISIT": ("Balance makes a visit worthwhile", "欠款金额值得上门"),
    "BALANCE_AGAINST_VISIT": ("Balance too small for a visit", "欠款金额不值得上门"),
    "BALANCE_NOT_FALLING": ("Balance is not going down", "欠款未见减少"),
    "BALANCE_FALLING": ("Balance is already going down", "欠款正在减少"),
    "RECENT_PAYMENTS_FAVOUR_VISIT": ("Recent payments: a visit may bring more",
                                     "近期有还款，上门可能促成更多还款"),
    "PAYS_WITHOUT_VISIT": ("Pays without a visit", "无需上门也在还款"),
    "PAYMENT_GAP_FAVOURS_VISIT": ("Time since last payment favours a visit",
                                  "距上次还款的时间有利于上门"),
    "PAYMENT_GAP_AGAINST_VISIT": ("Time since last payment speaks against a visit",
                                  "距上次还款的时间不利于上门"),
    "KEEPS_PROMISES": ("Keeps promises made at contact", "能兑现还款承诺"),
    "KEEPS_PROMISES_ANYWAY": ("Keeps promises without a visit", "无需上门也能兑现承诺"),
    "BROKEN_PROMISES": ("Broken promises: a visit may help", "有违约承诺，上门可能有帮助"),
    "BROKEN_PROMISES_HOPELESS": ("Many broken promises: a visit unlikely to help",
                                 "多次违约承诺，上门难有效果"),
    "REMINDERS_REACH": ("Reminders reach the customer", "提醒能送达客户"),
    "REMINDERS_ENOUGH": ("Reminders are enough", "提醒已足够"),
    "CALLS_TRIED": ("Calls tried: time for a visit", "已尝试电话，可考虑上门"),
    "CALLS_TRIED_OFTEN": ("Called often without effect", "多次来电无效果"),
    "ANSWERS_CALLS": ("Answers calls", "能接听电话"),
    "UNREACHABLE": ("Hard to reach", "难以联系"),
    "FEW_VISITS_SO_FAR": ("Few visits so far", "至今上门次数少"),
    "VISITED_OFTEN": ("Visited often already", "已多次上门"),
    "MET_AT_VISITS": ("Met at earlier visits", "以往上门见到本人"),
    "NOT_MET_AT_VISITS": ("Not met at earlier visits", "以往上门未见到本人"),
    "NO_REFUSALS": ("No refusals at earlier visits", "以往上门未被拒绝"),
    "REFUSED_VISITS": ("Refused earlier visits", "曾拒绝上门"),
    "ADDRESS_VERIFIED": ("Address verified", "地址已核实"),
    "ADDRESS_UNVERIFIED": ("Address not verified", "地址未核实"),
    "NEAR_BASE": ("Near the team's base", "距离团队驻地近"),
    "FAR_FROM_BASE": ("Far from the team's base", "距离团队驻地远"),
    "SELF_SERVICE_ACTIVE": ("Uses self-service: a visit may close it", "使用自助服务，上门可促成"),
    "SELF_SERVES": ("Self-serves without a visit", "无需上门即自助处理"),
}


def labelled(codes: list[str]) -> list[dict]:
    """Reason codes with their labels, in order; an unknown code keeps the code as its label."""
    return [{"code": c, "en": LABELS.get(c, (c, c))[0], "zh": LABELS.get(c, (c, c))[1]}
            for c in codes or []]

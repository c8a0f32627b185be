# ruff: noqa: E501 - demo data: long Chinese text lines; seeded pseudo-random numbers are the point
"""Demo supplies: experts and teams of Wuhan and Hubei universities, their technologies, and the
banks' and funds' products (科创贷, 知识价值信用贷款 …). Deterministic: the same list every start."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from daye_demo.matching.topics import DAYE, HUANGSHI, TOPICS, WUHAN
from matching_api.enums import Financing, Maturity, SupplyKind

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾夏韦付方邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万覃武戴孔汤庞樊兰殷"
GIVEN = [
    "志强",
    "建华",
    "文斌",
    "海涛",
    "晓东",
    "明远",
    "立新",
    "春生",
    "国平",
    "卫东",
    "红梅",
    "丽华",
    "俊杰",
    "振宇",
    "学军",
    "德明",
    "永刚",
    "秀英",
    "建军",
    "玉兰",
    "世杰",
    "宏伟",
    "小平",
    "光辉",
    "爱民",
    "金龙",
    "雪峰",
    "思远",
    "晨曦",
    "宇航",
    "天佑",
    "子涵",
    "清华",
    "松林",
    "雅琴",
    "海燕",
]
TITLES = ("教授", "教授", "副教授", "研究员", "高级工程师", "副研究员")
ROLES = ("博士生导师", "硕士生导师", "省级人才计划入选者", "湖北省科技特派员", "黄石市产业教授")


@dataclass(frozen=True)
class DemoSupply:
    kind: SupplyKind
    name: str
    provider: str
    description: str
    fields: list[str]
    industries: list[str]
    region_code: str
    capacity: int | None = None
    price: Decimal | None = None
    maturity: Maturity | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    rate_bp: int | None = None
    financing: Financing | None = None
    qualification_rule: list[str] = field(default_factory=list)
    contact: str = ""


def _wan(amount: int) -> Decimal:
    return Decimal(amount) * 10_000


def _experts(rng: random.Random) -> list[DemoSupply]:
    experts = []
    for topic in TOPICS:
        for i in range(11):
            institution, region = topic.institutions[i % len(topic.institutions)]
            person = rng.choice(SURNAMES) + rng.choice(GIVEN)
            fields = rng.sample(topic.fields, 3)
            skills = rng.sample(topic.capabilities, 2)
            team = i % 4 == 3
            name = f"{person}{'教授团队' if team else rng.choice(TITLES)}({fields[0]})"
            description = (
                f"{institution}{rng.choice(ROLES)},长期从事{fields[0]}、{fields[1]}和{fields[2]}研究。"
                f"{skills[0]};{skills[1]}。可为{topic.industry}企业提供技术诊断、联合攻关和人才培训。"
            )
            experts.append(
                DemoSupply(
                    kind=SupplyKind.expert,
                    name=name,
                    provider=institution,
                    description=description,
                    fields=fields,
                    industries=[topic.industry],
                    region_code=region,
                    capacity=rng.choice((2, 3, 3, 4, 5, 6)) * (2 if team else 1),
                    price=_wan(rng.choice((2, 3, 5, 8))) if i % 3 == 0 else None,
                    contact=f"{institution}科技处",
                )
            )
    return experts


def _technologies(rng: random.Random) -> list[DemoSupply]:
    technologies = []
    for topic in TOPICS:
        for i, (name, effect) in enumerate(topic.technologies):
            institution, region = topic.institutions[(i + 1) % len(topic.institutions)]
            fields = rng.sample(topic.fields, 2)
            technologies.append(
                DemoSupply(
                    kind=SupplyKind.technology,
                    name=name,
                    provider=institution,
                    description=f"{name}:{effect}。面向{topic.industry}企业,可采用技术转让、许可或合作开发方式转化,"
                    f"成果团队提供{fields[0]}方面的现场指导。",
                    fields=fields,
                    industries=[topic.industry],
                    region_code=region,
                    price=_wan(rng.choice((15, 30, 50, 80, 120, 200, 300))),
                    maturity=rng.choice(
                        (Maturity.pilot, Maturity.industrial, Maturity.industrial, Maturity.lab)
                    ),
                    contact=f"{institution}技术转移中心",
                )
            )
    return technologies


# (lender, product, min 万元, max 万元, rate bp, financing, qualification rule, what it is)
FINANCE: tuple[tuple[str, str, int, int, int | None, Financing, tuple[str, ...], str], ...] = (
    (
        "湖北银行黄石分行",
        "科创贷",
        50,
        1000,
        365,
        Financing.loan,
        ("tech_sme", "hte"),
        "面向科技型中小企业和高新技术企业的信用贷款,可凭知识产权和研发投入增信,享受财政贴息和风险补偿",
    ),
    (
        "大冶农商银行",
        "科创贷",
        30,
        500,
        385,
        Financing.loan,
        ("tech_sme", "hte"),
        "支持科技型企业研发投入和技术改造,纯信用或知识产权质押,审批快",
    ),
    (
        "中国建设银行大冶支行",
        "科技云贷",
        50,
        2000,
        355,
        Financing.loan,
        ("tech_sme", "hte"),
        "依据企业纳税、研发和专利数据线上授信,用于流动资金周转",
    ),
    (
        "中国工商银行大冶支行",
        "科创贷",
        100,
        3000,
        360,
        Financing.loan,
        ("hte",),
        "面向高新技术企业,支持研发投入、设备更新和技术改造",
    ),
    (
        "湖北银行黄石分行",
        "知识价值信用贷款",
        10,
        500,
        380,
        Financing.loan,
        ("tech_sme", "hte"),
        "根据企业知识价值评价结果给予纯信用贷款,无需抵押担保,政府风险补偿资金分担风险",
    ),
    (
        "大冶农商银行",
        "知识价值信用贷款",
        10,
        300,
        395,
        Financing.loan,
        ("tech_sme",),
        "面向入库科技型中小企业的知识价值信用贷款,按研发投入和人才结构评价授信",
    ),
    (
        "中国农业银行大冶市支行",
        "知识价值信用贷款",
        20,
        500,
        370,
        Financing.loan,
        ("tech_sme", "hte"),
        "以企业知识产权、研发团队和成长性为依据的信用贷款,支持首贷",
    ),
    (
        "中国银行大冶支行",
        "知识产权质押贷款",
        50,
        3000,
        375,
        Financing.loan,
        (),
        "以发明专利、实用新型专利和商标专用权质押融资,评估费用财政补贴",
    ),
    (
        "汉口银行黄石分行",
        "知识产权质押贷款",
        100,
        2000,
        390,
        Financing.loan,
        (),
        "专利权质押融资,支持科技企业技术成果产业化",
    ),
    (
        "邮储银行大冶市支行",
        "人才贷",
        20,
        500,
        360,
        Financing.loan,
        (),
        "面向高层次人才创办或领办企业的信用贷款,凭人才认定材料申请",
    ),
    (
        "湖北银行黄石分行",
        "高企贷",
        200,
        5000,
        350,
        Financing.loan,
        ("hte",),
        "专属高新技术企业的中长期贷款,支持研发中心建设和产能扩张",
    ),
    (
        "中国建设银行大冶支行",
        "新物种成长贷",
        500,
        5000,
        340,
        Financing.loan,
        ("new_species",),
        "面向湖北省科创新物种企业(瞪羚、潜在独角兽)的成长期信用贷款",
    ),
    (
        "大冶农商银行",
        "技改贷",
        100,
        3000,
        410,
        Financing.loan,
        (),
        "支持企业设备更新、技术改造和节能降耗项目,可用设备抵押",
    ),
    (
        "中国工商银行大冶支行",
        "设备更新贷款",
        200,
        5000,
        330,
        Financing.loan,
        (),
        "支持大规模设备更新和智能化改造,享受再贷款贴息政策",
    ),
    (
        "湖北银行黄石分行",
        "供应链金融应收账款融资",
        50,
        2000,
        420,
        Financing.loan,
        (),
        "以核心企业应收账款为依托的融资,解决上游配套企业资金周转",
    ),
    (
        "大冶农商银行",
        "创业担保贷款",
        10,
        300,
        250,
        Financing.loan,
        (),
        "面向小微企业和创业者的担保贷款,财政贴息",
    ),
    (
        "湖北省融资担保集团黄石分公司",
        "科技担保",
        100,
        2000,
        None,
        Financing.loan,
        ("tech_sme", "hte"),
        "为科技型企业贷款提供融资担保,担保费率优惠",
    ),
    (
        "黄石市科技创新投资基金",
        "天使投资",
        200,
        1000,
        None,
        Financing.equity,
        ("tech_sme",),
        "投资种子期和初创期科技企业,单个项目不超过1000万元",
    ),
    (
        "大冶市产业引导基金",
        "产业基金股权投资",
        1000,
        5000,
        None,
        Financing.equity,
        (),
        "围绕大冶重点产业链招引和培育企业,以股权方式投资",
    ),
    (
        "湖北省高新投",
        "创业投资",
        500,
        3000,
        None,
        Financing.equity,
        ("hte", "new_species"),
        "投资成长期高新技术企业和新物种企业",
    ),
    (
        "长江创业投资基金",
        "股权融资",
        1000,
        10000,
        None,
        Financing.equity,
        ("hte", "new_species"),
        "关注新材料、智能制造、节能环保领域的股权投资",
    ),
    (
        "湖北科技金融服务中心",
        "科技保险",
        10,
        500,
        None,
        Financing.loan,
        (),
        "研发费用损失险、首台套保险和知识产权保险,保费补贴",
    ),
)


def _finance() -> list[DemoSupply]:
    products = []
    for lender, product, low, high, rate, financing, rule, text in FINANCE:
        products.append(
            DemoSupply(
                kind=SupplyKind.finance_product,
                name=product,
                provider=lender,
                description=f"{lender}{product}:{text}。额度{low}万元至{high}万元。",
                fields=[product, "科技金融"],
                industries=[],
                region_code=DAYE if "大冶" in lender else HUANGSHI if "黄石" in lender else WUHAN[:2],
                min_amount=_wan(low),
                max_amount=_wan(high),
                rate_bp=rate,
                financing=financing,
                qualification_rule=list(rule),
                contact=f"{lender}普惠金融部",
            )
        )
    return products


def demo_supplies() -> list[DemoSupply]:
    rng = random.Random(20250101)
    return [*_experts(rng), *_technologies(rng), *_finance()]

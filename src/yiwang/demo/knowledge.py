"""Demo data of the knowledge base: the real item list of 广安区 (Sichuan) as external catalogue
entries, a few FAQs and policy documents written and published through the workflow by the demo
platform admin, and the shared index built once. Idempotent."""

from __future__ import annotations

from importlib import resources

from yiwang.accounts.models import User
from yiwang.bundles.models import Bundle
from yiwang.catalog.external_list import external_list_import
from yiwang.catalog.models import ItemVersion
from yiwang.knowledge import services
from yiwang.knowledge.models import Article, ArticleKind
from yiwang.organizations.models import Department

EXTERNAL_LIST = "items-sichuan-guang-an-district.csv"
AUTHOR = "admin"

# (subject: item name or one-thing code, question, answer, internal note)
FAQS = [
    (
        "社会保障卡补领、换领",
        "社保卡丢了怎么办？",
        "请先拨打 12333 或在“鄂汇办”挂失，再携带居民身份证到社会保障卡服务网点或线上申请补领，一般 5 个工作日内制卡完成。",
        "挂失后 90 天内未补领的，卡片自动注销。",
    ),
    (
        "居民身份证申领",
        "身份证过期了还能用吗？",
        "居民身份证有效期满后不能作为有效证件使用，请在到期前 3 个月内到户籍所在地或居住地派出所申请换领。",
        "异地换领不收取额外费用。",
    ),
    (
        "出生登记",
        "孩子出生后多久要上户口？",
        "新生儿应在出生后 1 个月内由父母一方持《出生医学证明》、户口簿、结婚证到户籍所在地派出所申报出生登记；也可通过“新生儿出生一件事”一次办理。",
        "",
    ),
    (
        "养犬登记证核发",
        "养狗需要办证吗？",
        "城区养犬应当办理养犬登记证：携带犬只狂犬病免疫证明、犬只照片和养犬人身份证件到所在地公安派出所办理，每年年检一次。",
        "重点管理区内禁养犬名录见市公安局公告。",
    ),
    (
        "食品经营许可",
        "开小吃店一定要办食品经营许可证吗？",
        "从事食品销售和餐饮服务，应当依法取得食品经营许可；仅销售预包装食品的只需备案。",
        "小餐饮可先行登记备案。",
    ),
    (
        "住房公积金提取（购买自住住房）",
        "买房后多久可以提取公积金？",
        "购买自住住房的，自购房合同签订或不动产登记之日起 2 年内可申请提取住房公积金。",
        "",
    ),
    (
        "异地就医备案",
        "去外地住院怎么报销？",
        "参保人员异地就医前应先办理异地就医备案，备案后在就医地定点医疗机构直接结算；未备案的按规定回参保地报销，比例会降低。",
        "",
    ),
    (
        "newborn",
        "生了孩子要跑几个部门？",
        "通过“新生儿出生一件事”，一次申请即可办理《出生医学证明》、出生登记、医保参保和社会保障卡申领，不用分别跑卫健、公安、医保、人社部门。",
        "",
    ),
    (
        "企业职工基本养老保险正常退休申请",
        "退休手续提前多久办？",
        "达到法定退休年龄前一个月内，由用人单位或本人向社会保险经办机构申请办理退休手续。",
        "",
    ),
    (
        "内地居民结婚登记",
        "结婚登记要带户口本吗？",
        "内地居民办理结婚登记需双方本人携带本人户口簿、身份证和 2 张 2 寸近期半身免冠合影照片；户口簿在全国推行“跨省通办”的地区可免于提交。",
        "",
    ),
]
POLICIES = [
    (
        "国办发〔2022〕32号",
        "国务院办公厅关于加快推进电子证照扩大应用领域和全国互通互认的意见",
        "推动电子证照在政务服务、社会化领域广泛应用，实现企业和群众常用证照全国互通互认，办事时可用电子证照代替纸质材料。",
        "武汉市市场监督管理局",
    ),
    (
        "国办发〔2024〕3号",
        "国务院关于进一步优化政务服务提升行政效能推动“高效办成一件事”的指导意见",
        "围绕企业和群众全生命周期的高频事项，推动多个相关事项“一件事一次办”，减少办事环节、申请材料、办理时间和跑动次数。",
        "武汉市市场监督管理局",
    ),
    (
        "人社部令第47号",
        "社会保障卡管理办法（示例）",
        "社会保障卡是持卡人享有社会保障和公共服务权益的电子凭证；遗失后应及时挂失并申请补领，补领的卡片保留原社会保障号码。",
        "武汉市人力资源和社会保障局",
    ),
]


def _item_department(subject: str) -> tuple[str, Department | None]:
    bundle = Bundle.objects.filter(code=subject).select_related("lead_department").first()
    if bundle is not None:
        return bundle.code, bundle.lead_department
    version = (
        ItemVersion.objects.filter(name=subject, status="published")
        .select_related("item__department")
        .order_by("item__code")
        .first()
    )
    if version is None:
        return "", None
    return version.item.code, version.item.department


def demo_load() -> dict:
    out: dict = {}
    data = resources.files("yiwang.demo").joinpath("data", EXTERNAL_LIST)
    with data.open(encoding="utf-8-sig", newline="") as f:
        imported = external_list_import(fileobj=f)
    out["external_items"] = imported.created
    author = User.objects.filter(username=AUTHOR).first()
    created = 0
    if author is not None:
        for subject, title, body, note in FAQS:
            if Article.objects.filter(kind=ArticleKind.FAQ, title=title).exists():
                continue
            code, dept = _item_department(subject)
            if dept is None:
                continue
            a = services.article_create(
                actor=author,
                kind=ArticleKind.FAQ,
                department=dept,
                title=title,
                body=body,
                subject=code,
                internal_note=note,
            )
            services.article_transition(actor=author, article=a, action="submit")
            services.article_transition(actor=author, article=a, action="publish")
            created += 1
        for number, title, body, dept_short in POLICIES:
            if Article.objects.filter(kind=ArticleKind.POLICY, document_number=number).exists():
                continue
            dept = (
                Department.objects.filter(name=dept_short).first()
                or Department.objects.order_by("id").first()
            )
            a = services.article_create(
                actor=author,
                kind=ArticleKind.POLICY,
                department=dept,
                title=title,
                body=body,
                document_number=number,
            )
            services.article_transition(actor=author, article=a, action="submit")
            services.article_transition(actor=author, article=a, action="publish")
            created += 1
    out["articles"] = created
    out["index"] = services.index_sync()
    return out

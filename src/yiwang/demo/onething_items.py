"""Government items that the demo 一件事 (demo/bundles.py) need and the catalogue above lacks,
written in the generator's format and added to `build_items.ITEMS` by `register`, which
build_items calls on its last lines, so they are generated into data/items.json and checked by
the same catalogue rules as every other item.

Kept apart from build_items.py on purpose: the catalogue is edited there, the bundles' items
here. Names and legal bases are real national ones (国发〔2024〕3号 first batch, 国办发〔2025〕24号);
the basic codes are the demo's own, in a reserved range (`<class><type>09<nnn>000`), fixed here so
that an item added to the catalogue never renumbers them. Non-government handlers (banks, the
clinic, the utility companies…) and their items are in demo/bundles.py.
"""

from __future__ import annotations

from .orgdata import department_uscc

# (department key, basic code) by key, for the bundles to find them.
KEYS: dict[str, tuple[str, str]] = {}


def registered() -> dict[str, tuple[str, str]]:
    """The items' keys (registered when build_items is first imported)."""
    if not KEYS:
        from . import build_items  # noqa: F401 - importing it registers the items below
    return KEYS


def code(key: str) -> str:
    """Implementation code of the item `key` (department USCC + basic code + 00)."""
    dept, basic = registered()[key]
    return f"{department_uscc(dept)}{basic}00"


def register(bi) -> None:
    """Add the items to the generator module `bi` (build_items, or its __main__ run): its ITEMS,
    shared materials M and licence links."""
    ENTERPRISE, ENTERPRISE_MATS, LICENCE_LINKS, M = bi.ENTERPRISE, bi.ENTERPRISE_MATS, bi.LICENCE_LINKS, bi.M
    ONLINE_ONCE, PERSON = bi.ONLINE_ONCE, bi.PERSON
    # Fully online, but none of these items issues a licence (result type 10): no depth 7 电子证照反馈.
    ONLINE_FULL = {**bi.ONLINE_FULL, "online_depth": [d for d in bi.ONLINE_FULL["online_depth"] if d != "7"]}

    def one(key: str, name: str, dept: str, basic: str, **kw) -> dict:
        KEYS[key] = (dept, basic)
        return bi.item(name, dept, basic=basic, **kw)

    # --- materials only these items use --------------------------------------------------------------
    M.setdefault("unmarried_statement", ("非婚生育情况说明", "1", "3", "applicant", "", "父母双方签字确认"))
    M.setdefault(
        "paternity_test",
        ("亲子鉴定意见书", "1", "3", "other", "司法鉴定机构", "非婚生育随父落户的提交"),
    )
    M.setdefault("flexible_retirement_form", ("弹性退休申请表", "1", "3", "applicant", "", "职工本人签字"))
    M.setdefault(
        "delay_agreement",
        ("用人单位与职工协商一致的书面材料", "1", "3", "applicant", "", "延迟退休时间及期限，双方签字盖章"),
    )
    M.setdefault("seal_sample", ("印章印模", "1", "3", "other", "公章刻制企业", "由刻制企业采集上传"))
    M.setdefault("rental_contract", ("住房租赁合同", "2", "3", "applicant", "", "已登记备案的可免提交"))
    M.setdefault("residence_permit", ("居住证", "2", "3", "government", "公安机关", "电子居住证可免提交"))
    M.setdefault(
        "school_registration_form",
        ("义务教育新生入学信息登记表", "1", "2", "applicant", "", "在线填报，由系统生成"),
    )
    M.setdefault("disability_assessment", ("残疾评定表", "1", "3", "other", "残疾评定机构", "由评定机构推送"))
    M.setdefault("bankruptcy_ruling", ("人民法院受理破产申请裁定书", "2", "3", "government", "人民法院", ""))
    M.setdefault(
        "administrator_decision", ("人民法院指定管理人决定书", "2", "3", "government", "人民法院", "")
    )
    M.setdefault("administrator_id", ("管理人负责人身份证明", "2", "3", "applicant", "公安机关", ""))
    M.setdefault(
        "rectification_proof",
        ("已履行行政处罚决定、纠正失信行为的证明材料", "1", "3", "applicant", "", "罚款缴纳凭证、整改报告等"),
    )
    M.setdefault("credit_commitment", ("信用修复承诺书", "1", "3", "applicant", "", "按格式文本签署"))
    M.setdefault(
        "listing_statement", ("上市（挂牌）情况说明", "1", "3", "applicant", "", "拟上市板块、报告期")
    )
    M.setdefault("vehicle_license", ("机动车行驶证", "2", "3", "government", "公安机关交通管理部门", ""))
    M.setdefault(
        "qualification_exam", ("从业资格考试合格证明", "1", "2", "government", "交通运输主管部门", "")
    )

    CHILD = ["child.name:新生儿姓名", "child.gender:性别", "child.birth_date:出生日期"]
    PARENTS = [
        "mother.name:母亲姓名",
        "mother.id_number:母亲身份证号码",
        "father.name:父亲姓名",
        "father.id_number:父亲身份证号码",
    ]

    # ============================ 新生儿出生 ===========================================================
    UNMARRIED = dict(
        t="07",
        k="2",
        s=20,
        p=3,
        o=["1"],
        th=["户籍办理", "生育收养"],
        basis="《中华人民共和国户口登记条例》第七条；《中华人民共和国民法典》第一千零七十一条",
        res=[("居民户口簿（新生儿页）", "10")],
        form=[*CHILD, *PARENTS, "applicant.phone:联系电话"],
        online=ONLINE_ONCE,
        scope="省内",
    )
    UNMARRIED_MATS = ["birth_certificate", "parents_id", "household_register", "unmarried_statement"]
    one(
        "unmarried_birth",
        "出生登记（非婚生育随母落户）",
        "ga",
        "000709001000",
        cond="父母未办理结婚登记的新生儿随母亲落户，由母亲申报出生登记。",
        mats=UNMARRIED_MATS,
        **UNMARRIED,
    )
    one(
        "unmarried_birth_father",
        "出生登记（非婚生育随父落户）",
        "ga",
        "000709033000",
        cond="父母未办理结婚登记的新生儿随父亲落户，由父亲申报出生登记，提交亲子鉴定意见书。",
        mats=[*UNMARRIED_MATS, "paternity_test"],
        **UNMARRIED,
    )

    # ============================ 退休（2025 年起弹性退休） ===============================================
    RETIRE_BASIS = (
        "《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》；"
        "《实施弹性退休制度暂行办法》（人力资源社会保障部、中共中央组织部2024年12月印发）"
    )
    one(
        "retire_early",
        "企业职工弹性提前退休申请",
        "rs",
        "000709002000",
        t="07",
        k="2",
        s=20,
        p=10,
        o=["1", "2"],
        th=["社会保障"],
        basis=RETIRE_BASIS,
        cond="职工达到最低缴费年限（2025年为15年，自2030年1月起每年提高6个月，逐步提高至20年），可自愿选择"
        "弹性提前退休，提前时间距法定退休年龄最长不超过三年，且退休年龄不低于女职工50周岁、55周岁及男职工"
        "60周岁的原法定退休年龄。职工应提前三个月书面告知所在单位。",
        mats=["id_card", "flexible_retirement_form", "personnel_file", "bank_account"],
        res=[("基本养老金核定结果", "30")],
        form=[
            *PERSON,
            "applicant.birth_date:出生日期",
            "application.date:申请退休日期",
            "applicant.employer:所在单位:100",
        ],
        online=ONLINE_ONCE,
        scope="市内",
    )
    one(
        "retire_late",
        "企业职工弹性延迟退休申请",
        "rs",
        "000709003000",
        t="07",
        k="2",
        s=10,
        p=5,
        o=["1", "2"],
        th=["社会保障"],
        basis=RETIRE_BASIS,
        cond="职工达到法定退休年龄，所在单位与职工协商一致的，可以弹性延迟退休，延迟时间最长不超过三年；"
        "单位应在职工达到法定退休年龄一个月前告知社会保险经办机构。延迟期间继续缴费，期满后办理退休。",
        mats=["id_card", "delay_agreement", "flexible_retirement_form"],
        res=[("弹性延迟退休备案结果", "30")],
        form=[
            *PERSON,
            "applicant.birth_date:出生日期",
            "applicant.employer:所在单位:100",
            "application.date:延迟至日期",
        ],
        online=ONLINE_FULL,
        scope="市内",
    )

    # ============================ 企业信息变更 ==========================================================
    one(
        "seal_filing",
        "公章刻制备案",
        "ga",
        "100009004000",
        t="10",
        k="1",
        s=1,
        p=1,
        o=["2", "3", "4", "6"],
        th=["市场准入"],
        basis="《国务院关于第三批取消中央指定地方实施行政许可事项的决定》（国发〔2017〕7号）；《印铸刻字业暂行管理规则》",
        cond="单位新刻或因名称、法定代表人变更重新刻制公章的，由刻制企业刻制后向公安机关备案，不收费。",
        mats=["application_form", *ENTERPRISE_MATS, "seal_sample"],
        res=[("公章刻制备案回执", "30")],
        form=[*ENTERPRISE, "application.reason:刻制原因及印章种类:500"],
        online=ONLINE_FULL,
        scope="市内",
    )

    # ============================ 教育入学 ==============================================================
    one(
        "school_enrol",
        "义务教育阶段新生入学报名",
        "jy",
        "200009005000",
        t="20",
        k="2",
        s=20,
        p=5,
        o=["1"],
        th=["教育科研"],
        basis="《中华人民共和国义务教育法》第十二条；《教育部办公厅关于做好义务教育招生入学工作的通知》",
        cond="适龄儿童少年在户籍所在地或监护人居住地（随迁子女凭居住证）就近入学；户籍、房产、居住证、"
        "社保等信息由部门共享核验，核验通过后按学区派位。",
        mats=[
            "school_registration_form",
            "household_register",
            ("property_certificate", {"required": False}),
        ],
        res=[("入学通知", "30")],
        form=[
            "child.name:学生姓名",
            "child.id_number:学生身份证号码",
            "child.gender:性别",
            "child.birth_date:出生日期",
            "child.address:现居住地址",
            "applicant.name:监护人姓名",
            "applicant.id_number:监护人身份证号码",
            "applicant.phone:联系电话",
        ],
        online=ONLINE_FULL,
        scope="市内",
    )
    one(
        "household_proof",
        "户籍证明开具",
        "ga",
        "200009006000",
        t="20",
        k="1",
        s=1,
        p=1,
        o=["1"],
        th=["户籍办理"],
        basis="《中华人民共和国户口登记条例》；《公安部关于改进和规范公安派出所出具证明工作的意见》",
        cond="本人或监护人因入学等需要证明户籍信息的，数据共享可核验的不再开具。",
        mats=["id_card", "household_register", ("authorization", {"required": False})],
        res=[("户籍证明", "30")],
        form=["child.name:被证明人姓名", "child.id_number:被证明人身份证号码", *PERSON],
        online=ONLINE_FULL,
        scope="市内",
    )
    one(
        "property_query",
        "不动产登记资料查询",
        "bdc",
        "200009007000",
        t="20",
        k="1",
        s=1,
        p=1,
        o=["1", "2", "6"],
        th=["住房保障"],
        basis="《不动产登记暂行条例》第二十七条；《不动产登记资料查询暂行办法》",
        cond="权利人、利害关系人及人民法院指定的破产管理人等可以依法查询不动产登记资料。",
        mats=["application_form", "id_card", ("authorization", {"required": False})],
        res=[("不动产登记资料查询结果", "30")],
        form=[*PERSON, "property.address:不动产坐落或查询范围:200", "application.reason:查询目的:500"],
        online=ONLINE_FULL,
        scope="市内",
    )
    one(
        "rental_filing",
        "住房租赁合同登记备案",
        "zf",
        "100009008000",
        t="10",
        k="1",
        s=3,
        p=1,
        o=["1", "2"],
        th=["住房保障"],
        basis="《中华人民共和国城市房地产管理法》第五十四条；《商品房屋租赁管理办法》第十四条",
        cond="房屋租赁合同订立后三十日内，租赁当事人办理登记备案。",
        mats=["rental_contract", "id_card", "property_certificate"],
        res=[("住房租赁合同登记备案证明", "30")],
        form=[*PERSON, "property.address:租赁房屋坐落:200", "rights_holder.name:出租人姓名"],
        online=ONLINE_FULL,
        scope="市内",
    )
    one(
        "social_proof",
        "社会保险参保缴费证明开具",
        "rs",
        "200009009000",
        t="20",
        k="1",
        s=1,
        p=1,
        o=["1", "2"],
        th=["社会保障"],
        basis="《中华人民共和国社会保险法》第七十四条",
        cond="参保人员可以查询、打印本人参保缴费记录；随迁子女入学由教育部门共享核验监护人社保缴费情况。",
        mats=["id_card", ("authorization", {"required": False})],
        res=[("社会保险参保缴费证明", "30")],
        form=PERSON,
        online=ONLINE_FULL,
        scope="全国",
    )

    # ============================ 开办运输企业 ==========================================================
    one(
        "transport_cert",
        "道路运输证配发",
        "jt",
        "000109010000",
        t="01",
        k="2",
        s=20,
        p=3,
        o=["1", "2"],
        th=["交通出行"],
        basis="《中华人民共和国道路运输条例》第二十四条、第三十七条；《道路货物运输及站场管理规定》",
        cond="取得道路运输经营许可的经营者，为投入运输的每辆车辆申领道路运输证（电子证照）。",
        mats=["application_form", *ENTERPRISE_MATS, "vehicle_license"],
        res=[("道路运输证", "10")],
        form=[*ENTERPRISE, "application.remarks:车辆号牌及车辆类型:500"],
        online=ONLINE_ONCE,
        scope="市内",
    )
    # ============================ 残疾人服务 ============================================================
    one(
        "disability_card",
        "残疾人证新办",
        "cl",
        "000709012000",
        t="07",
        k="2",
        s=20,
        p=5,
        o=["1"],
        th=["残疾人"],
        basis="《中华人民共和国残疾人保障法》；《中华人民共和国残疾人证管理办法》（中国残联2017年修订）",
        cond="符合残疾标准的本市户籍残疾人，经指定评定机构评定后，由县级残联审核发证。",
        mats=["id_card", "photo", "household_register", ("disability_assessment", {"required": False})],
        res=[("中华人民共和国残疾人证", "10")],
        form=[*PERSON, "applicant.household_address:户籍地址", "application.remarks:残疾类别:200"],
        online=ONLINE_ONCE,
        scope="省内",
    )
    SUBSIDY_BASIS = (
        "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）"
    )
    one(
        "living_subsidy",
        "困难残疾人生活补贴申请",
        "mz",
        "000509013000",
        t="05",
        k="2",
        s=30,
        p=10,
        o=["1"],
        th=["残疾人", "社会救助"],
        basis=SUBSIDY_BASIS,
        cond="持有第二代残疾人证、属于最低生活保障家庭或其他困难情形的残疾人。",
        mats=["id_card", "income_proof", "bank_account"],
        res=[("困难残疾人生活补贴", "30")],
        form=[*PERSON, "applicant.household_address:户籍地址"],
        online=ONLINE_FULL,
        scope="市内",
    )
    one(
        "care_subsidy",
        "重度残疾人护理补贴申请",
        "mz",
        "000509014000",
        t="05",
        k="2",
        s=30,
        p=10,
        o=["1"],
        th=["残疾人", "社会救助"],
        basis=SUBSIDY_BASIS,
        cond="持有第二代残疾人证、残疾等级被评定为一级、二级且需要长期照护的重度残疾人。",
        mats=["id_card", ("authorization", {"required": False}), "bank_account"],
        res=[("重度残疾人护理补贴", "30")],
        form=[*PERSON, "applicant.household_address:户籍地址"],
        online=ONLINE_FULL,
        scope="市内",
    )

    # ============================ 信用修复 ==============================================================
    CREDIT = [*ENTERPRISE, "application.reason:修复的失信信息（决定书文号）及纠正情况:1000"]
    CREDIT_MATS = ["application_form", "business_license", "rectification_proof", "credit_commitment"]
    one(
        "credit_fix_ndrc",
        "行政处罚信息信用修复（信用中国）",
        "fgw",
        "100009015000",
        t="10",
        k="2",
        s=15,
        p=3,
        o=["2", "3", "4", "6"],
        th=["市场准入"],
        basis="《失信行为纠正后的信用信息修复管理办法（试行）》（国家发展和改革委员会令2023年第58号）",
        cond="行政处罚信息最短公示期满，已履行行政处罚决定、纠正失信行为并作出信用承诺。",
        mats=CREDIT_MATS,
        res=[("信用修复决定", "30")],
        form=CREDIT,
        online=ONLINE_FULL,
        scope="全国",
    )
    one(
        "credit_fix_samr",
        "市场监管领域行政处罚信息信用修复",
        "scjg",
        "100009016000",
        t="10",
        k="2",
        s=15,
        p=3,
        o=["2", "6"],
        th=["市场准入"],
        basis="《市场监督管理信用修复管理办法》（国家市场监督管理总局2021年）；《企业信息公示暂行条例》",
        cond="在国家企业信用信息公示系统公示的行政处罚信息公示期满，已履行处罚决定并纠正违法行为。",
        mats=CREDIT_MATS,
        res=[("信用修复决定", "30")],
        form=CREDIT,
        online=ONLINE_FULL,
        scope="全国",
    )
    one(
        "abnormal_exit",
        "移出经营异常名录",
        "scjg",
        "100009017000",
        t="10",
        k="2",
        s=5,
        p=3,
        o=["2", "6"],
        th=["市场准入"],
        basis="《企业信息公示暂行条例》第十七条；《企业经营异常名录管理暂行办法》",
        cond="补报未报年度报告并公示、更正公示信息或依法办理住所变更登记后，申请移出经营异常名录。",
        mats=["application_form", "business_license", "rectification_proof"],
        res=[("移出经营异常名录决定", "30")],
        form=CREDIT,
        online=ONLINE_FULL,
        scope="全国",
    )
    one(
        "credit_fix_tax",
        "纳税信用修复",
        "sw",
        "100009018000",
        t="10",
        k="2",
        s=15,
        p=3,
        o=["2", "6"],
        th=["税收财务"],
        basis="《国家税务总局关于纳税信用修复有关事项的公告》（2019年第37号）；《纳税信用管理办法》",
        cond="纳入纳税信用管理的企业纠正纳税失信行为，在规定期限内申请修复。",
        mats=["application_form", "business_license", "rectification_proof"],
        res=[("纳税信用修复结果", "30")],
        form=CREDIT,
        online=ONLINE_FULL,
        scope="全国",
    )

    # ============================ 企业破产信息核查 ======================================================
    ADMIN = [
        "enterprise.name:破产企业名称:100",
        "enterprise.uscc:破产企业统一社会信用代码",
        "contact.name:管理人负责人",
        "contact.id_number:管理人负责人身份证号码",
        "contact.phone:联系电话",
        "application.reason:核查事项及范围:1000",
    ]
    ADMIN_MATS = ["bankruptcy_ruling", "administrator_decision", "administrator_id"]
    BANKRUPTCY_BASIS = "《中华人民共和国企业破产法》第二十五条；《国家发展改革委等部门关于推动和保障管理人在破产程序中依法履职 进一步优化营商环境的意见》（发改财金规〔2021〕274号）"
    for i, (key, name, dept, th) in enumerate(
        [
            ("bk_samr", "破产企业登记档案及股权信息查询", "scjg", "市场准入"),
            ("bk_vehicle", "破产企业机动车登记信息查询", "ga", "交通出行"),
            ("bk_tax", "破产企业涉税信息查询", "sw", "税收财务"),
            ("bk_social", "破产企业社会保险缴费信息查询", "rs", "社会保障"),
            ("bk_fund", "破产企业住房公积金缴存信息查询", "gjj", "住房保障"),
            ("bk_medical", "破产企业医疗保险缴费信息查询", "yb", "医疗卫生"),
            ("bk_estate", "破产企业不动产登记信息查询", "bdc", "住房保障"),
        ],
        19,
    ):
        one(
            key,
            name,
            dept,
            f"2000090{i:02d}000",
            t="20",
            k="2",
            s=5,
            p=2,
            o=["2", "6"],
            th=[th],
            basis=BANKRUPTCY_BASIS,
            cond="人民法院受理破产申请并指定管理人后，管理人代表债务人（以破产企业账号）凭受理裁定书和指定管理人决定书依法查询破产企业信息。",
            mats=ADMIN_MATS,
            res=[(name.replace("查询", "查询结果"), "30")],
            form=ADMIN,
            online=ONLINE_FULL,
            scope="市内",
        )

    # ============================ 企业上市合法合规信息核查 ==================================================
    LISTING = [*ENTERPRISE, "application.reason:核查期间及用途（拟上市板块）:500"]
    LISTING_MATS = ["application_form", "business_license", "listing_statement"]
    one(
        "credit_report",
        "企业专项信用报告出具（替代有无违法违规记录证明）",
        "fgw",
        "200009026000",
        t="20",
        k="1",
        s=3,
        p=1,
        o=["2", "6"],
        th=["市场准入"],
        basis="《国务院办公厅关于印发〈优化营商环境条例〉配套措施的通知》；《关于开展以专项信用报告替代有无违法违规证明工作的通知》",
        cond="企业上市、融资等需要证明有无违法违规记录的，由公共信用信息平台出具专项信用报告，覆盖已接入的各领域。",
        mats=LISTING_MATS,
        res=[("企业专项信用报告", "30")],
        form=LISTING,
        online=ONLINE_FULL,
        scope="全国",
    )
    for i, (key, name, dept, th) in enumerate(
        [
            ("ls_samr", "企业合法合规信息核查（市场监管领域）", "scjg", "市场准入"),
            ("ls_tax", "开具无欠税证明", "sw", "税收财务"),
            ("ls_social", "企业合法合规信息核查（人力资源社会保障领域）", "rs", "社会保障"),
            ("ls_fund", "企业合法合规信息核查（住房公积金领域）", "gjj", "住房保障"),
            ("ls_env", "企业合法合规信息核查（生态环境领域）", "sthj", "生态环境"),
            ("ls_fire", "企业合法合规信息核查（消防安全领域）", "xf", "安全生产"),
        ],
        27,
    ):
        one(
            key,
            name,
            dept,
            f"2000090{i:02d}000",
            t="20",
            k="2",
            s=10,
            p=3,
            o=["2", "6"],
            th=[th],
            basis="《中华人民共和国证券法》第十二条；《首次公开发行股票注册管理办法》；国办发〔2025〕24号",
            cond="拟上市（挂牌）企业申请核查报告期内本领域有无违法违规记录；已出具专项信用报告覆盖的领域不再单独核查。",
            mats=LISTING_MATS,
            res=[(name.replace("核查", "核查结果") if "核查" in name else "无欠税证明", "30")],
            form=LISTING,
            online=ONLINE_FULL,
            scope="市内",
        )

    # 免提交: materials of these items that an e-licence of the demo licence catalogue stands in for.
    for key, material, licence in [
        ("unmarried_birth", "birth_certificate", "出生医学证明"),
        ("unmarried_birth_father", "birth_certificate", "出生医学证明"),
        ("school_enrol", "property_certificate", "不动产权证书"),
        ("rental_filing", "property_certificate", "不动产权证书"),
        ("credit_fix_ndrc", "business_license", "营业执照"),
        ("credit_fix_samr", "business_license", "营业执照"),
        ("abnormal_exit", "business_license", "营业执照"),
        ("credit_fix_tax", "business_license", "营业执照"),
        ("seal_filing", "business_license", "营业执照"),
        ("transport_cert", "business_license", "营业执照"),
        *((k, "business_license", "营业执照") for k in ["credit_report", "ls_samr", "ls_tax", "ls_social"]),
        *((k, "business_license", "营业执照") for k in ["ls_fund", "ls_env", "ls_fire"]),
    ]:
        LICENCE_LINKS[(code(key), material)] = licence

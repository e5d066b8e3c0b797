"""知识库 (GB/T 44191-2024): knowledge points derived from the published catalogue (item guides by
section, one things) and from the articles staff write (FAQs per item, policy documents), the
questions nobody could answer, and the shared search index (docs/knowledge.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PointKind(models.TextChoices):
    ITEM = "item", "事项"
    BUNDLE = "bundle", "一件事"
    FAQ = "faq", "常见问题"
    POLICY = "policy", "政策文件"


class Section(models.TextChoices):
    OVERVIEW = "overview", "概述"
    CONDITIONS = "conditions", "受理条件"
    MATERIALS = "materials", "申请材料"
    LIMITS = "limits", "办理时限"
    FEES = "fees", "收费标准"
    LOCATIONS = "locations", "办理地点"
    LEGAL_BASIS = "legal_basis", "设定依据"
    ANSWER = "answer", "解答"
    BODY = "body", "正文"


class Point(models.Model):
    """One knowledge point: a section of a source (an item version's guide, a one thing, a
    published FAQ or policy), with the version it came from, its validity, owner and review date.
    Points are replaced when their source's version changes (services.points_sync)."""

    kind = models.CharField("来源类型", max_length=10, choices=PointKind.choices)
    code = models.CharField("来源编码", max_length=80)
    version = models.PositiveIntegerField("来源版本")
    section = models.CharField("段落", max_length=20, choices=Section.choices)
    title = models.CharField("标题", max_length=300)
    text = models.TextField("内容")
    subject = models.CharField("所属事项或一件事", max_length=80, blank=True)
    external = models.BooleanField("外部清单事项", default=False)
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name="责任部门",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_until = models.DateField("失效日期", null=True, blank=True)
    review_on = models.DateField("复核日期", null=True, blank=True)
    internal_note = models.TextField("内部说明（仅工作人员可见）", blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # pre-segmented once when the point is written (text.doc_tokens), so a rebuild re-reads them
    tokens = models.TextField("检索词", blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "知识点"
        ordering = ["kind", "code", "position"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code", "section"], name="knowledge_point_uniq")
        ]
        indexes = [models.Index(fields=["kind", "code"], name="knowledge_point_source")]

    def __str__(self) -> str:
        return f"{self.title}·{self.get_section_display()}"


class ArticleKind(models.TextChoices):
    FAQ = "faq", "常见问题"
    POLICY = "policy", "政策文件"


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    REVIEW = "review", "待审核"
    PUBLISHED = "published", "已发布"
    RETIRED = "retired", "已停用"


class Article(models.Model):
    """A FAQ (question and answer about an item or a one thing) or a policy document, written by
    department staff and moving draft → review → published (core.workflow, services.ARTICLES).
    What the index shows is the last published revision (`published_*`), so editing a new draft
    does not take the published text out of the index."""

    code = models.CharField("编码", max_length=30, unique=True)
    kind = models.CharField("类型", max_length=10, choices=ArticleKind.choices)
    title = models.CharField("问题或标题", max_length=200)
    body = models.TextField("解答或正文")
    subject = models.CharField("所属事项或一件事编码", max_length=80, blank=True)
    document_number = models.CharField("文号", max_length=100, blank=True)
    internal_note = models.TextField("内部说明（仅工作人员可见）", blank=True)
    department = models.ForeignKey(
        "organizations.Department", verbose_name="责任部门", on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_until = models.DateField("失效日期", null=True, blank=True)
    review_on = models.DateField("复核日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    version = models.PositiveIntegerField("版本", default=0)  # core.workflow's optimistic version
    revision = models.PositiveIntegerField("已发布修订号", default=0)
    published_title = models.CharField("已发布标题", max_length=200, blank=True)
    published_body = models.TextField("已发布正文", blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "常见问题与政策文件"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ArticleStep(models.Model):
    """An immutable step of an article's workflow."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=10)
    to_status = models.CharField(max_length=10)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["article", "id"]


class QuestionStatus(models.TextChoices):
    OPEN = "open", "待答复"
    ANSWERED = "answered", "已答复"


class Question(models.Model):
    """A question the knowledge base could not answer (留言咨询), in the owning department's queue;
    personal data in it (ID numbers, phone numbers) is masked before it is stored. Once answered
    it becomes a FAQ (an Article in review)."""

    number = models.CharField("编号", max_length=30, unique=True)
    text = models.TextField("问题（已脱敏）")
    subject = models.CharField("相关事项或一件事", max_length=80, blank=True)
    department = models.ForeignKey(
        "organizations.Department", verbose_name="责任部门", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.OPEN
    )
    answer = models.TextField("答复", blank=True)
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "留言咨询"
        ordering = ["-asked_at"]


class SearchIndex(models.Model):
    """The shared search index (one row): the BM25 matrix and the documents' metadata, serialised
    without pickle; `version` grows with every rebuild, and each process reloads when it sees a
    newer one (index.py). Built by the `knowledge.index_sync` task, never at start-up."""

    version = models.PositiveIntegerField("版本", default=0)
    documents = models.PositiveIntegerField("文档数", default=0)
    data = models.BinaryField("索引数据")
    built_at = models.DateTimeField("构建时间")

    class Meta:
        verbose_name = verbose_name_plural = "检索索引"

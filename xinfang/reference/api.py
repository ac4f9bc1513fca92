"""API v1: reference data (channels, purposes, categories, ID types)."""

from ninja import Router, Schema

from xinfang.reference.models import Category, Channel, IdType, Purpose

router = Router(tags=["基础数据"])


class CodeName(Schema):
    code: str
    name: str


class ChannelOut(CodeName):
    is_online: bool


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent_id: int | None


@router.get("/channels", response=list[ChannelOut], summary="信访形式")
def channels_api(request):
    return list(Channel.objects.filter(is_active=True).values("code", "name", "is_online"))


@router.get("/purposes", response=list[CodeName], summary="信访目的")
def purposes_api(request):
    return list(Purpose.objects.values("code", "name"))


@router.get("/id-types", response=list[CodeName], summary="证件类型")
def id_types_api(request):
    return list(IdType.objects.values("code", "name"))


@router.get("/categories", response=list[CategoryOut], summary="内容分类（当前版本）")
def categories_api(request):
    return list(
        Category.objects.filter(version__is_current=True, is_active=True).values(
            "id", "code", "name", "parent_id"
        )
    )

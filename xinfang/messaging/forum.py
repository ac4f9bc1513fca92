"""论坛: import new posts from the forum boards' RSS/Atom feeds into the screening queue (issue 4 §4).

The worker polls every feed in `FORUM_FEEDS`. Each entry becomes one message through
`message_receive(source="forum", external_id=<entry id, else its link>)`, so a post is never imported
twice, however often the feed is read and whichever board lists it. A feed that cannot be fetched
(server down, timeout, HTTP error) or is not a feed (HTML, broken XML with no entries) is logged
and skipped until the next poll; one bad feed or entry never stops the others.
"""

import hashlib
import logging
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser

import feedparser
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from xinfang.messaging.choices import Source
from xinfang.messaging.models import InboundMessage
from xinfang.messaging.services import MAX_CONTENT, MAX_TITLE, message_receive

logger = logging.getLogger("xinfang.forum")

MAX_FEED_BYTES = 5 * 1024 * 1024
MAX_EXTERNAL_ID = 120  # InboundMessage.external_id


@dataclass
class ForumImport:
    feeds: int = 0
    imported: int = 0
    known: int = 0
    refused: int = 0
    broken_feeds: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "feeds": self.feeds,
            "imported": self.imported,
            "known": self.known,
            "refused": self.refused,
            "broken_feeds": self.broken_feeds,
        }


@dataclass(frozen=True)
class ForumPost:
    external_id: str
    title: str
    content: str
    author: str
    link: str


class FeedUnavailable(Exception):
    """The feed could not be read or is not a feed; logged, retried at the next poll."""


def forum_import_all(urls: list[str] | None = None) -> ForumImport:
    """Poll every configured feed once."""
    result = ForumImport()
    for url in settings.FORUM_FEEDS if urls is None else urls:
        result.feeds += 1
        try:
            posts = forum_fetch(url)
        except FeedUnavailable as exc:
            logger.warning("forum feed %s skipped: %s", url, exc)
            result.broken_feeds.append(url)
            continue
        _import(posts, result, url)
    logger.info("forum import: %s", result.as_dict())
    return result


def _import(posts: list["ForumPost"], result: ForumImport, url: str) -> None:
    ids = [post.external_id for post in posts]
    known = set(
        InboundMessage.objects.filter(source=Source.FORUM, external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    for post in posts:
        if post.external_id in known:
            result.known += 1
            continue
        try:
            received = message_receive(
                source=Source.FORUM,
                external_id=post.external_id,
                name=post.author,
                title=post.title,
                content=post.content,
                link=post.link,
            )
        except ValidationError as exc:
            logger.warning("forum post %s from %s refused: %s", post.external_id, url, exc.messages)
            result.refused += 1
            continue
        known.add(post.external_id)
        if received.created:
            result.imported += 1
        else:
            result.known += 1


def forum_fetch(url: str) -> list[ForumPost]:
    """Read one feed (urllib with `FORUM_TIMEOUT`) and return its posts."""
    if not url.startswith(("http://", "https://")):
        raise FeedUnavailable("only http:// and https:// feeds are read")
    request = urllib.request.Request(url, headers={"User-Agent": "xinfang-forum/1"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=settings.FORUM_TIMEOUT) as response:  # noqa: S310
            body = response.read(MAX_FEED_BYTES + 1)
            content_type = response.headers.get("Content-Type", "")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise FeedUnavailable(getattr(exc, "reason", None) or exc) from exc
    if len(body) > MAX_FEED_BYTES:
        raise FeedUnavailable(f"larger than {MAX_FEED_BYTES} bytes")
    return feed_posts(body, content_type=content_type, url=url)


def feed_posts(body: bytes, *, content_type: str = "", url: str = "") -> list[ForumPost]:
    """The posts of a feed document; FeedUnavailable when it is not a feed."""
    parsed = feedparser.parse(body, response_headers={"content-type": content_type} if content_type else None)
    if parsed.bozo and not parsed.entries:
        raise FeedUnavailable(f"not a feed: {parsed.get('bozo_exception')}")
    if parsed.bozo:
        logger.warning(
            "forum feed %s is not well-formed (%s); importing what was read", url, parsed.bozo_exception
        )
    if not parsed.version and not parsed.entries:
        raise FeedUnavailable("not an RSS or Atom feed")
    posts = []
    for entry in parsed.entries:
        post = _post(entry)
        if post is None:
            logger.warning("forum feed %s: an entry without id, link or text skipped", url)
        else:
            posts.append(post)
    return posts


def _post(entry) -> ForumPost | None:
    key = (entry.get("id") or entry.get("link") or "").strip()
    link = (entry.get("link") or "").strip()
    if not link.startswith(("http://", "https://")):
        link = ""  # only web links: a `javascript:` link would run in the screening page
    title = _squash(html_to_text(entry.get("title", "")))
    content = html_to_text(_body_html(entry))
    if not content:
        content = title
    if not key or not content:
        return None
    if len(key) > MAX_EXTERNAL_ID:
        key = "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()
    return ForumPost(
        external_id=key,
        title=title[:MAX_TITLE],
        content=_fit(content, link),
        author=_squash(entry.get("author", ""))[:40],
        link=link[:500],
    )


def _body_html(entry) -> str:
    for part in entry.get("content") or ():
        if part.get("value"):
            return part["value"]
    return entry.get("summary", "")


def _fit(content: str, link: str) -> str:
    """Cut a post longer than a message may be; the link leads to the whole post."""
    if len(content) <= MAX_CONTENT:
        return content
    tail = _("……（内容过长，已截断，全文见原帖）")
    return content[: MAX_CONTENT - len(tail)] + tail


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


class _TextExtractor(HTMLParser):
    BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})
    SKIP = frozenset({"script", "style"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in self.BREAKS:
            self.parts.append("\n")  # <br/>: one line break, not two

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of a post: tags dropped (line breaks kept), entities decoded, blank lines folded."""
    extractor = _TextExtractor()
    extractor.feed(html or "")
    extractor.close()
    text = "".join(extractor.parts).replace("\xa0", " ")  # entities: decoded by the parser
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

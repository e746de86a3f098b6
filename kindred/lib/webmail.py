"""Public email providers: anyone can have an address there, so an address at one proves nothing
about where a person works. The one list Kindred keeps of them."""

import re

PUBLIC_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "live.com",
        "live.co.uk",
        "msn.com",
        "passport.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.de",
        "yahoo.co.jp",
        "ymail.com",
        "rocketmail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "aim.com",
        "proton.me",
        "protonmail.com",
        "protonmail.ch",
        "pm.me",
        "mail.com",
        "email.com",
        "zoho.com",
        "zohomail.com",
        "tutanota.com",
        "tuta.io",
        "fastmail.com",
        "hey.com",
        "qq.com",
        "163.com",
        "126.com",
        "yeah.net",
        "sina.com",
        "naver.com",
        "daum.net",
        "mail.ru",
        "inbox.ru",
        "list.ru",
        "bk.ru",
        "rambler.ru",
        "web.de",
        "t-online.de",
        "freenet.de",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "virgilio.it",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "interia.pl",
        "rediffmail.com",
        "comcast.net",
        "verizon.net",
        "att.net",
        "sbcglobal.net",
        "btinternet.com",
    }
)
# Providers with one domain per country: gmx.de, gmx.net, yandex.ru, yandex.com.tr, yahoo.co.in.
PUBLIC_EMAIL_FAMILIES = frozenset({"gmx", "yandex", "outlook", "hotmail", "live", "yahoo", "aol", "mail"})
_COUNTRY_TAIL = re.compile(r"^(com|net|org|[a-z]{2}|(co|com|net)\.[a-z]{2})$")


def is_public_email_domain(domain: str) -> bool:
    domain = domain.strip().lower().rstrip(".")
    if domain in PUBLIC_EMAIL_DOMAINS:
        return True
    family, _, tail = domain.partition(".")
    return family in PUBLIC_EMAIL_FAMILIES and bool(_COUNTRY_TAIL.match(tail))

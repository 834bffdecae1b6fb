"""mta_data.py - test relays shared by the SpamAssassin and rspamd tests.

Both programs skip private and loopback addresses, so the tests add these
ordinary-looking addresses to zen.local (data only: nothing is ever sent to
them) and scan a message relayed by each."""

# address -> the zen.local code it is listed with (SBL, XBL, PBL)
LISTED = {"81.2.69.2": "127.0.0.2", "81.2.69.4": "127.0.0.4", "81.2.69.10": "127.0.0.10"}
UNLISTED = "81.2.69.1"

# A message whose one Received header names the relay {ip}.
MESSAGE = """\
Received: from mail.example.net (mail.example.net [{ip}])
\tby mx.test.example (Postfix) with ESMTP id 4ABCD123
\tfor <user@test.example>; Mon, 23 Nov 2026 07:00:00 +0000 (UTC)
From: Sender <sender@example.net>
To: user@test.example
Subject: test {ip}
Date: Mon, 23 Nov 2026 07:00:00 +0000
Message-ID: <{ip}@example.net>

Hello.
"""


def extra_zone():
    """The rbldnsd ip4set lines that list LISTED, for a test-only file."""
    return "".join(f":{code}:test entry\n{ip}\n" for ip, code in LISTED.items())

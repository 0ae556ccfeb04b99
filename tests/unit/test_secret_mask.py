"""Masking a target's secrets: apprise's word on which URL parts are private, plus the address
parts (topic, path, header, chat) that its privacy rendering shows but that grant access.

One URL per apprise service family newsmon documents, each with known secrets; the mask is
tried on the URL itself, apprise's privacy rendering of it, and error lines as apprise writes
them. No message is sent here: tests/integration/test_secrets.py makes real sends fail.
"""

from __future__ import annotations

import pytest

from monitor.notify.targets import ENV_VAR, load_targets, mask

# (URL, its secrets, a part that must stay readable so the target can still be recognised)
FAMILIES = {
    "ntfy self-hosted": ("ntfy://127.0.0.1:8089/newsroomtopic", ["newsroomtopic"], "127.0.0.1"),
    "ntfy cloud": ("ntfy://deskalerts", ["deskalerts"], "ntfy"),
    "ntfy token": (
        "ntfy://tk_n3wsT0ken@ntfy.example.org/desk",
        ["tk_n3wsT0ken", "desk"],
        "ntfy.example.org",
    ),
    "slack": ("slack://T0SECRET1/B0SECRET2/Sl4ckTokenSecretValue123", ["T0SECRET1"], "slack"),
    "mailtos": (
        "mailtos://alerts:CHANGE-ME-password@smtp.example.org:587"
        "?from=newsmon@example.org&to=desk@example.org",
        ["CHANGE-ME-password"],
        "smtp.example.org",
    ),
    "json webhook": (
        "json://hooks.example.org/newsmon/CHANGE-ME-token?+X-Api-Key=hdrkey77",
        ["CHANGE-ME-token", "hdrkey77"],
        "hooks.example.org",
    ),
    "form webhook": ("form://hooks.example.org/formtoken", ["formtoken"], "hooks.example.org"),
    "discord": ("discord://1234567890/webhookTokenSecret", ["webhookTokenSecret"], "discord"),
    "telegram": (
        "tgram://123456789:AAbotTokenSecret/-100987654",
        ["AAbotTokenSecret", "-100987654"],
        "tgram",
    ),
    "matrix": (
        "matrixs://bot:matrixPassw0rd@matrix.example.org/#newsdesk",
        ["matrixPassw0rd", "newsdesk"],
        "matrix.example.org",
    ),
    "teams (workflows)": (
        "workflows://prod.example.org/wflowid9/sigSecret77",
        ["wflowid9", "sigSecret77"],
        "prod.example.org",
    ),
    "pushover": (
        "pover://userkeySecret@apptokenSecret",
        ["userkeySecret", "apptokenSecret"],
        "pover",
    ),
    "gotify": ("gotify://gotify.example.org/gotifyAppTok", ["gotifyAppTok"], "gotify.example.org"),
}


def _loaded(url: str):
    (target,) = load_targets(None, {ENV_VAR: f"newsroom={url}"})
    return target


@pytest.mark.parametrize("family", FAMILIES)
def test_no_secret_survives_the_mask_in_the_url_its_rendering_or_an_error(family):
    url, secrets, readable = FAMILIES[family]
    target = _loaded(url)
    rendered = target.plugin.url(privacy=True)
    described = target.describe()
    texts = [
        mask(url),
        mask(rendered),
        described,
        # Error lines the way apprise and requests write them: secrets quoted, in paths, bare.
        *(
            mask(f"Failed to send {target.service} notification to '{s}': error=500.")
            for s in secrets
        ),
        mask(f"Max retries exceeded with url: /{'/'.join(secrets)} (Caused by timeout)"),
        mask(f"Socket Exception: {' '.join(secrets)} refused"),
    ]
    for secret in secrets:
        for text in texts:
            assert secret not in text, (secret, text)
    # Masked, not erased: the service and the host still name the target.
    assert readable in described, described
    assert "****" in mask(f"Failed to send notification to '{secrets[0]}'")


def test_apprise_shows_an_ntfy_topic_and_newsmon_hides_it():
    """Why apprise's privacy rendering alone is not enough: it prints the topic in clear."""
    target = _loaded("ntfy://127.0.0.1:8089/newsroomtopic")
    assert "newsroomtopic" in target.plugin.url(privacy=True)
    assert target.describe() == "ntfy://127.0.0.1:8089/****"


def test_a_lowercase_short_topic_is_masked_though_it_looks_like_no_token():
    # The old heuristic let through lowercase parts under 16 characters without digits.
    _loaded("ntfy://127.0.0.1:8089/alerts")
    assert mask("Failed to send ntfy notification to topic 'alerts': error=403.") == (
        "Failed to send ntfy notification to topic '****': error=403."
    )


def test_host_port_user_and_option_choices_stay_readable():
    _loaded("mailto://newsmon:mailPassw0rd@127.0.0.1:2525?mode=insecure&from=a@example.com")
    line = "Connecting to 127.0.0.1:2525 as newsmon (mode insecure) with mailPassw0rd"
    assert mask(line) == "Connecting to 127.0.0.1:2525 as newsmon (mode insecure) with ****"


def test_only_the_targets_of_the_latest_load_are_masked():
    _loaded("json://127.0.0.1:8089/firstpath")
    _loaded("json://127.0.0.1:8089/secondpath")
    assert mask("firstpath secondpath") == "firstpath ****"


def test_any_url_is_cut_to_its_scheme():
    load_targets(None, {})
    assert mask("posting to https://example.org/x?y=1 failed") == "posting to https://… failed"

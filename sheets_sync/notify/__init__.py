"""Notifications: e-mail and signed webhooks (Slack-compatible, Telegram) when a run fails, a job
is paused, a run's data needs checking or a funnel step leaves its control limits, and a weekly
digest e-mail. README, "Notifications", says how to set them up.

    settings.py   NotifySettings from the app's config (SMTP, webhook secret, allowed hosts)
    messages.py   the events of a run and their messages, ru/en
    digest.py     when a weekly digest is due, and its HTML and text
    channels.py   sending: SMTP, webhook POSTs; timeouts, bounded retries, masked errors
    sign.py       the webhook signature (X-Funnel-Signature)
    mask.py       secrets out of logs and records
    notifier.py   Notifier: after a run, and the due digests; records every delivery
    schema.py     the create API's ``notify`` body
    web.py        the Flask side: the settings on create, the API, the job page's section

Nothing is imported here, so that the app's config can take settings.py's defaults alone.
"""

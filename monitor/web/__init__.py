"""The Datasette side: the plugin's hooks, its pages (timeline, story), their SVG charts
and `newsmon serve`.

May import monitor.store (its views module holds every query the pages run), diff,
notify.messages (labels) and clock; nothing else imports web but the CLI's `serve`.
"""

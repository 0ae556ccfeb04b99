"""Stories: what people follow. An article joins a story when its whole text is about it
(monitor.stories.membership), stays a member, and from then on every qualifying change of it
alerts (monitor.stories.alerts); inside a story, articles of several outlets on one happening
are grouped into events (monitor.stories.events, monitor.stories.grouping).

May import rules (terms and the article's segments), store, config's plain parts, diff, items,
text and clock; never crawl, web, daemon or the CLI. Imports nothing here, so each module is
loaded only by who needs it.
"""

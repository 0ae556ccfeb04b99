"""Scrapy spiders: the generic NewsSpider and thin site declarations on top of it.

May import monitor.items, monitor.store (its facade), monitor.config, monitor.crawl (settings,
middlewares) and monitor.clock; what a spider finds goes to the store as named facts
(monitor.items Page, Listing, FetchError).
"""

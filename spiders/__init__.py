"""Scrapy spiders: the generic NewsSpider and thin site declarations on top of it."""

"""Scale-out over several machines: a scheduler, any number of crawlers and one writer sharing a
Redis (a scrapy-redis frontier and a result stream). Chosen by `[cluster]` in the config and
`newsmon run --role ...`; the single-machine mode never imports this package's Redis parts.
"""

"""The case core: models, filing, the transition service, deadlines, numbers, who may see what,
notices, and the selectors screens read through. It imports no other part of petitions."""

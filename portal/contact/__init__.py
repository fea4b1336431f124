"""Safe-contact preferences: how (and whether) the person may be contacted, set by them.

Domain notes, "Safety of people at risk": some service users are in danger from someone who
may see their phone, so staff read these before any contact, and the portal's own messages
(portal.notifications) go only by a channel the person has marked safe.
"""

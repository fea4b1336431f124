"""Messages the portal sends to people, through an outbox.

Every message is first a row (so it is made once, can be retried, and is attributable), and
is sent only by a channel the person marked safe (portal.contact), at a time they said is
safe. The text never says what the portal is about: a phone may be read by someone else.
"""

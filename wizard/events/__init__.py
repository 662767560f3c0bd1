"""What Twilio tells us unasked: status callbacks and Event Streams deliveries, checked, parsed and applied."""

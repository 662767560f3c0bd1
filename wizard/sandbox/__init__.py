"""The built-in sandbox: a stateful fake of the Twilio endpoints the flow uses (`fake.Sandbox`), its clock and
its state file; nothing is imported here, so the app's first frame can read the sandbox clock without the fake."""

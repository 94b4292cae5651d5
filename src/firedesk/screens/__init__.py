"""The console's screens: the incident picker, the incident, and the small dialogs."""

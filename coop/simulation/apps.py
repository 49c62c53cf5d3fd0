from django.apps import AppConfig


class SimulationConfig(AppConfig):
    """No models: the app is here for its management command (`simulate_market`)."""

    name = "coop.simulation"
    label = "simulation"
    verbose_name = "Market simulator"

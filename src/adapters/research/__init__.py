"""Research adapters: the Gymnasium trading environment and PPO from stable-baselines3 (the
``research`` extra). Nothing outside ``tradeai research`` imports this package."""

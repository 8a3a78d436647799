"""Research use cases, kept out of the default path until an ablation says they help: the GAN
track (gan_*: train a sequence GAN, sample tagged synthetic candles, judge them, the ablation)
and the reinforcement-learning track."""

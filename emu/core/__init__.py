"""The processor: the Unicorn wrapper, exception entry and return, interrupt delivery."""

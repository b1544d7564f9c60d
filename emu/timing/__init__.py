"""Time: the native block hook that counts instructions (cost model: a later issue)."""

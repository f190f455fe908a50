def seed_demo():
    return "nothing yet"

# pet_dynamics_personas.csv is the answer key (the planted persona of each customer). It is
# used ONLY by the tests, to check that segmentation recovers the planted structure; the app
# never loads it, and the persona is deliberately not a column of the customers file.
"""Generate the synthetic "Pet Dynamics" sample: customers, orders and the planted personas.

Pet Dynamics is a fictional US pet-supplies retailer (the "Dog-lover Dina" example of the
segmentation article in the project's seeds). Run from the repository root, without arguments::

    python data/generate_sample.py

Every draw comes from ``numpy.random.default_rng(SEED)`` in a fixed order, so the files are
byte-identical on every run. See data/README.md for the column dictionary and planted quirks.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261122
N_CUSTOMERS = 6_000
DATA_DIR = Path(__file__).resolve().parent
CUSTOMERS_FILE = "pet_dynamics_customers.csv"
ORDERS_FILE = "pet_dynamics_orders.csv.gz"
PERSONAS_FILE = "pet_dynamics_personas.csv"

WINDOW_START = np.datetime64("2024-11-01", "D")
WINDOW_END = np.datetime64("2026-10-31", "D")
N_DAYS = int((WINDOW_END - WINDOW_START).astype(int)) + 1
MINUTES_PER_DAY = 24 * 60

RETURN_RATE = 0.025
MISSING_SHARE = 0.02
MISSING_TOKENS = ("", "unknown", "N/A")
MISSING_TOKEN_WEIGHTS = (0.5, 0.3, 0.2)
MISSING_COLUMNS = ("age", "income_band", "occupation", "email_open_rate", "lifestyle", "state")
N_AGE_OUTLIERS = 5
N_BREEDERS = 10

Weights = dict[str, float]

# fmt: off
INCOME_BANDS = ("Under $35k", "$35k-$60k", "$60k-$90k", "$90k-$130k", "$130k+")
CHANNELS = ("Website", "Mobile app", "In store", "Phone")
CATEGORIES = (
    "Food", "Premium food", "Treats", "Toys",
    "Accessories", "Health & pharmacy", "Bedding", "Pet insurance",
)
LIKERT_COLUMNS = (
    "pays_more_for_quality", "price_sensitive", "cares_about_sustainability", "pet_is_family",
)

# Categorical customer attributes and their possible values, in output order.
DOMAINS: dict[str, tuple[str, ...]] = {
    "gender": ("Female", "Male", "Non-binary"),
    "household": ("Single", "Couple, no kids", "Family with kids", "Empty nester", "Retired"),
    "occupation": (
        "Executive", "Professional", "Skilled trade", "Sales & service",
        "Student", "Homemaker", "Retired", "Self-employed",
    ),
    "income_band": INCOME_BANDS,
    "region": ("Northeast", "Midwest", "South", "West"),
    "density": ("Urban", "Suburban", "Rural"),
    "loyalty": ("Hard-core loyal", "Soft-core loyal", "Shifting loyal", "Switcher"),
    "loyalty_tier": ("Bronze", "Silver", "Gold", "Platinum"),
    "buyer_status": ("First-time buyer", "Occasional buyer", "Regular buyer", "Lapsed buyer"),
    "preferred_channel": CHANNELS,
    "benefits_sought": (
        "Quality", "Price & value", "Convenience", "Natural ingredients", "Health & vet advice",
    ),
    "pet_type": ("Dog", "Cat", "Dog and cat", "Small pet", "Fish or bird"),
    "lifestyle": (
        "Outdoor & active", "Homebody", "Busy professional",
        "Eco-conscious", "Social & trendy", "Budget-minded",
    ),
    "main_interest": (
        "Hiking", "Dog sports", "Cooking", "Gardening", "Social media",
        "Home decor", "Travel", "Volunteering", "Gaming", "Fitness",
    ),
}
# No uniform noise on these: it would create 30-year-old retirees and 75-year-old students.
STRICT_ATTRIBUTES = frozenset({"gender", "household", "occupation"})

CUSTOMER_COLUMNS = (
    "customer_id", "name", "email",
    "age", "gender", "household", "occupation", "income_band",
    "region", "state", "density", "language",
    "loyalty", "loyalty_tier", "buyer_status", "preferred_channel", "email_open_rate",
    "benefits_sought", "pet_type",
    "lifestyle", *LIKERT_COLUMNS, "main_interest",
    "email_opt_in", "signup_date",
)
# fmt: on
ORDER_COLUMNS = ("order_id", "customer_id", "order_date", "channel", "category", "items", "amount")


@dataclass(frozen=True)
class Persona:
    """A planted customer type: a probability distribution for every attribute."""

    name: str
    share: float
    age: tuple[float, float]  # mean, standard deviation in years
    traits: dict[str, Weights]  # attribute -> typical values; the rest gets `noise`
    attitudes: tuple[float, float, float, float]  # Likert means, in LIKERT_COLUMNS order
    open_rate: float  # mean email open rate
    opt_in: float  # probability of email_opt_in == "Yes"
    signup: tuple[str, str]  # first and last possible signup date
    orders: float  # mean number of orders
    order_range: tuple[int, int]  # fewest and most orders
    aov: float  # mean order value in dollars
    categories: Weights  # share of orders per product category
    lapse: tuple[str, str] | None = None  # range of last possible order dates; None: active
    noise: float = 0.15  # probability mass spread uniformly over every value


# fmt: off
PERSONAS: tuple[Persona, ...] = (
    Persona(
        name="Dog-lover Dina",
        share=0.20,
        age=(33, 3),
        traits={
            "gender": {"Female": 0.72, "Male": 0.26, "Non-binary": 0.02},
            "household": {"Couple, no kids": 0.6, "Single": 0.3, "Family with kids": 0.1},
            "occupation": {"Executive": 0.7, "Professional": 0.2, "Self-employed": 0.1},
            "income_band": {"$90k-$130k": 0.55, "$130k+": 0.35, "$60k-$90k": 0.1},
            "region": {"Midwest": 0.75, "South": 0.1, "Northeast": 0.08, "West": 0.07},
            "density": {"Suburban": 0.85, "Urban": 0.15},
            "loyalty": {"Hard-core loyal": 0.85, "Soft-core loyal": 0.15},
            "loyalty_tier": {"Gold": 0.5, "Platinum": 0.4, "Silver": 0.1},
            "buyer_status": {"Regular buyer": 0.9, "Occasional buyer": 0.1},
            "preferred_channel": {"Website": 0.5, "Mobile app": 0.4, "In store": 0.1},
            "benefits_sought": {"Quality": 0.85, "Health & vet advice": 0.15},
            "pet_type": {"Dog": 0.85, "Dog and cat": 0.15},
            "lifestyle": {"Outdoor & active": 0.85, "Busy professional": 0.15},
            "main_interest": {"Hiking": 0.5, "Dog sports": 0.35, "Fitness": 0.15},
        },
        attitudes=(4.6, 1.7, 3.2, 4.8),
        open_rate=0.5,
        opt_in=0.92,
        signup=("2017-01-01", "2025-06-30"),
        orders=22,
        order_range=(6, 60),
        aov=95,
        categories={
            "Premium food": 0.30, "Accessories": 0.17, "Treats": 0.14, "Pet insurance": 0.12,
            "Toys": 0.12, "Health & pharmacy": 0.07, "Bedding": 0.05, "Food": 0.03,
        },
    ),
    Persona(
        name="Bargain-hunting families",
        share=0.20,
        age=(42, 4.5),
        traits={
            "gender": {"Female": 0.55, "Male": 0.44, "Non-binary": 0.01},
            "household": {"Family with kids": 0.85, "Couple, no kids": 0.1, "Single": 0.05},
            "occupation": {
                "Sales & service": 0.3, "Skilled trade": 0.3, "Homemaker": 0.2,
                "Professional": 0.15, "Self-employed": 0.05,
            },
            "income_band": {"$35k-$60k": 0.55, "$60k-$90k": 0.35, "Under $35k": 0.1},
            "region": {"South": 0.55, "Midwest": 0.3, "West": 0.1, "Northeast": 0.05},
            "density": {"Suburban": 0.55, "Urban": 0.35, "Rural": 0.1},
            "loyalty": {"Switcher": 0.55, "Shifting loyal": 0.4, "Soft-core loyal": 0.05},
            "loyalty_tier": {"Bronze": 0.55, "Silver": 0.4, "Gold": 0.05},
            "buyer_status": {"Occasional buyer": 0.8, "Regular buyer": 0.2},
            "preferred_channel": {"Mobile app": 0.4, "In store": 0.35, "Website": 0.25},
            "benefits_sought": {"Price & value": 0.85, "Convenience": 0.15},
            "pet_type": {"Dog and cat": 0.45, "Dog": 0.35, "Cat": 0.1, "Small pet": 0.1},
            "lifestyle": {"Budget-minded": 0.85, "Homebody": 0.15},
            "main_interest": {
                "Cooking": 0.3, "Home decor": 0.25, "Volunteering": 0.15,
                "Gaming": 0.15, "Fitness": 0.15,
            },
        },
        attitudes=(2.0, 4.5, 2.5, 3.8),
        open_rate=0.25,
        opt_in=0.7,
        signup=("2019-01-01", "2025-12-31"),
        orders=11,
        order_range=(3, 40),
        aov=40,
        categories={
            "Food": 0.40, "Treats": 0.22, "Toys": 0.20, "Accessories": 0.06,
            "Health & pharmacy": 0.05, "Bedding": 0.04, "Premium food": 0.02,
            "Pet insurance": 0.01,
        },
    ),
    Persona(
        name="Retired cat companions",
        share=0.16,
        age=(71, 5),
        traits={
            "gender": {"Female": 0.62, "Male": 0.37, "Non-binary": 0.01},
            "household": {"Retired": 0.55, "Empty nester": 0.35, "Single": 0.1},
            "occupation": {"Retired": 0.85, "Homemaker": 0.08, "Self-employed": 0.07},
            "income_band": {"$35k-$60k": 0.45, "Under $35k": 0.3, "$60k-$90k": 0.25},
            "region": {"Northeast": 0.45, "South": 0.4, "Midwest": 0.1, "West": 0.05},
            "density": {"Rural": 0.5, "Suburban": 0.4, "Urban": 0.1},
            "loyalty": {"Soft-core loyal": 0.8, "Hard-core loyal": 0.2},
            "loyalty_tier": {"Silver": 0.55, "Gold": 0.3, "Bronze": 0.15},
            "buyer_status": {"Regular buyer": 0.55, "Occasional buyer": 0.45},
            "preferred_channel": {"Phone": 0.5, "In store": 0.4, "Website": 0.1},
            "benefits_sought": {"Health & vet advice": 0.8, "Quality": 0.2},
            "pet_type": {"Cat": 0.85, "Dog and cat": 0.1, "Fish or bird": 0.05},
            "lifestyle": {"Homebody": 0.85, "Budget-minded": 0.15},
            "main_interest": {
                "Gardening": 0.45, "Volunteering": 0.25, "Cooking": 0.2, "Home decor": 0.1,
            },
        },
        attitudes=(3.3, 3.2, 2.8, 4.5),
        open_rate=0.1,
        opt_in=0.5,
        signup=("2016-01-01", "2025-06-30"),
        orders=10,
        order_range=(2, 30),
        aov=48,
        categories={
            "Food": 0.42, "Health & pharmacy": 0.28, "Treats": 0.12, "Bedding": 0.08,
            "Toys": 0.05, "Premium food": 0.03, "Accessories": 0.01, "Pet insurance": 0.01,
        },
    ),
    Persona(
        name="Urban first-time owners",
        share=0.16,
        age=(25.5, 2.5),
        traits={
            "gender": {"Female": 0.5, "Male": 0.44, "Non-binary": 0.06},
            "household": {"Single": 0.85, "Couple, no kids": 0.15},
            "occupation": {"Professional": 0.5, "Student": 0.35, "Sales & service": 0.15},
            "income_band": {"Under $35k": 0.4, "$35k-$60k": 0.4, "$60k-$90k": 0.2},
            "region": {"West": 0.55, "Northeast": 0.35, "South": 0.05, "Midwest": 0.05},
            "density": {"Urban": 0.9, "Suburban": 0.1},
            "loyalty": {"Shifting loyal": 0.5, "Switcher": 0.3, "Soft-core loyal": 0.2},
            "loyalty_tier": {"Bronze": 0.9, "Silver": 0.1},
            "buyer_status": {"First-time buyer": 0.9, "Occasional buyer": 0.1},
            "preferred_channel": {"Mobile app": 0.85, "Website": 0.15},
            "benefits_sought": {"Convenience": 0.85, "Price & value": 0.15},
            "pet_type": {"Small pet": 0.35, "Cat": 0.35, "Dog": 0.25, "Fish or bird": 0.05},
            "lifestyle": {"Social & trendy": 0.85, "Busy professional": 0.15},
            "main_interest": {"Social media": 0.5, "Gaming": 0.35, "Travel": 0.15},
        },
        attitudes=(2.8, 3.6, 3.4, 3.5),
        open_rate=0.3,
        opt_in=0.75,
        signup=("2026-02-01", "2026-09-15"),
        orders=4,
        order_range=(1, 8),
        aov=35,
        categories={
            "Food": 0.28, "Toys": 0.20, "Treats": 0.18, "Accessories": 0.14, "Bedding": 0.10,
            "Health & pharmacy": 0.05, "Premium food": 0.04, "Pet insurance": 0.01,
        },
    ),
    Persona(
        name="Eco-conscious naturals",
        share=0.15,
        age=(40, 5.5),
        traits={
            "gender": {"Female": 0.6, "Male": 0.37, "Non-binary": 0.03},
            "household": {"Couple, no kids": 0.55, "Family with kids": 0.4, "Single": 0.05},
            "occupation": {
                "Professional": 0.55, "Self-employed": 0.25,
                "Executive": 0.1, "Skilled trade": 0.1,
            },
            "income_band": {"$60k-$90k": 0.45, "$90k-$130k": 0.4, "$130k+": 0.15},
            "region": {"West": 0.75, "Northeast": 0.15, "Midwest": 0.05, "South": 0.05},
            "density": {"Urban": 0.5, "Suburban": 0.45, "Rural": 0.05},
            "loyalty": {"Soft-core loyal": 0.8, "Hard-core loyal": 0.2},
            "loyalty_tier": {"Silver": 0.5, "Gold": 0.4, "Bronze": 0.1},
            "buyer_status": {"Regular buyer": 0.7, "Occasional buyer": 0.3},
            "preferred_channel": {"Website": 0.8, "Mobile app": 0.2},
            "benefits_sought": {"Natural ingredients": 0.85, "Quality": 0.15},
            "pet_type": {"Dog": 0.45, "Cat": 0.3, "Dog and cat": 0.25},
            "lifestyle": {"Eco-conscious": 0.85, "Outdoor & active": 0.15},
            "main_interest": {
                "Gardening": 0.3, "Volunteering": 0.25, "Hiking": 0.2,
                "Cooking": 0.15, "Travel": 0.1,
            },
        },
        attitudes=(4.0, 2.6, 4.6, 4.2),
        open_rate=0.4,
        opt_in=0.85,
        signup=("2018-01-01", "2025-10-31"),
        orders=11,
        order_range=(3, 40),
        aov=68,
        categories={
            "Premium food": 0.34, "Treats": 0.16, "Food": 0.14, "Health & pharmacy": 0.10,
            "Toys": 0.10, "Bedding": 0.07, "Accessories": 0.06, "Pet insurance": 0.03,
        },
    ),
    Persona(
        name="Lapsed switchers",
        share=0.13,
        age=(42, 13),
        traits={
            "gender": {"Female": 0.52, "Male": 0.46, "Non-binary": 0.02},
            "household": {
                "Single": 0.3, "Couple, no kids": 0.25, "Family with kids": 0.3,
                "Empty nester": 0.1, "Retired": 0.05,
            },
            "occupation": {
                "Professional": 0.25, "Sales & service": 0.25, "Skilled trade": 0.2,
                "Self-employed": 0.1, "Student": 0.08, "Homemaker": 0.07, "Executive": 0.05,
            },
            "income_band": {
                "$35k-$60k": 0.35, "$60k-$90k": 0.3, "Under $35k": 0.2,
                "$90k-$130k": 0.1, "$130k+": 0.05,
            },
            "region": {"South": 0.38, "West": 0.24, "Midwest": 0.21, "Northeast": 0.17},
            "density": {"Suburban": 0.5, "Urban": 0.3, "Rural": 0.2},
            "loyalty": {"Switcher": 0.9, "Shifting loyal": 0.1},
            "loyalty_tier": {"Bronze": 0.85, "Silver": 0.15},
            "buyer_status": {"Lapsed buyer": 0.9, "Occasional buyer": 0.1},
            "preferred_channel": {
                "Website": 0.4, "In store": 0.3, "Mobile app": 0.2, "Phone": 0.1,
            },
            "benefits_sought": {"Price & value": 0.6, "Convenience": 0.4},
            "pet_type": {
                "Dog": 0.4, "Cat": 0.3, "Dog and cat": 0.1, "Small pet": 0.1, "Fish or bird": 0.1,
            },
            "lifestyle": {
                "Busy professional": 0.4, "Budget-minded": 0.3,
                "Social & trendy": 0.2, "Homebody": 0.1,
            },
            "main_interest": {
                "Travel": 0.25, "Fitness": 0.2, "Gaming": 0.15, "Social media": 0.15,
                "Home decor": 0.15, "Cooking": 0.1,
            },
        },
        attitudes=(2.6, 3.8, 2.4, 2.9),
        open_rate=0.08,
        opt_in=0.2,
        signup=("2019-01-01", "2025-06-30"),
        orders=3.5,
        order_range=(1, 6),
        aov=40,
        categories={
            "Food": 0.40, "Treats": 0.20, "Toys": 0.15, "Accessories": 0.08,
            "Health & pharmacy": 0.07, "Bedding": 0.05, "Premium food": 0.04,
            "Pet insurance": 0.01,
        },
        lapse=("2025-07-01", "2025-10-31"),
    ),
)

# Roughly proportional to state population within each census region.
STATES: dict[str, Weights] = {
    "Northeast": {
        "NY": 19.6, "PA": 13.0, "NJ": 9.3, "MA": 7.0, "CT": 3.6,
        "NH": 1.4, "ME": 1.4, "RI": 1.1, "VT": 0.6,
    },
    "Midwest": {
        "IL": 12.5, "OH": 11.8, "MI": 10.0, "IN": 6.9, "MO": 6.2, "WI": 5.9,
        "MN": 5.7, "IA": 3.2, "KS": 2.9, "NE": 2.0, "SD": 0.9, "ND": 0.8,
    },
    "South": {
        "TX": 30.5, "FL": 22.6, "GA": 11.0, "NC": 10.8, "VA": 8.7, "TN": 7.1,
        "MD": 6.2, "SC": 5.4, "AL": 5.1, "LA": 4.6, "KY": 4.5, "OK": 4.1,
        "AR": 3.1, "MS": 2.9, "WV": 1.8, "DE": 1.0, "DC": 0.7,
    },
    "West": {
        "CA": 39.0, "WA": 7.8, "AZ": 7.4, "CO": 5.9, "OR": 4.2, "UT": 3.4, "NV": 3.2,
        "NM": 2.1, "ID": 2.0, "HI": 1.4, "MT": 1.1, "AK": 0.7, "WY": 0.6,
    },
}
LANGUAGES: dict[str, Weights] = {
    "Northeast": {"English": 0.86, "Spanish": 0.09, "Chinese": 0.02, "Korean": 0.01,
                  "Vietnamese": 0.01, "Tagalog": 0.01},
    "Midwest": {"English": 0.92, "Spanish": 0.06, "Chinese": 0.005, "Korean": 0.005,
                "Vietnamese": 0.005, "Tagalog": 0.005},
    "South": {"English": 0.85, "Spanish": 0.12, "Chinese": 0.005, "Korean": 0.005,
              "Vietnamese": 0.01, "Tagalog": 0.01},
    "West": {"English": 0.79, "Spanish": 0.14, "Chinese": 0.02, "Korean": 0.01,
             "Vietnamese": 0.02, "Tagalog": 0.02},
}

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "Female older": (
        "Mary", "Patricia", "Linda", "Barbara", "Susan", "Nancy", "Betty", "Sandra", "Margaret",
        "Donna", "Carol", "Deborah", "Dorothy", "Sharon", "Cynthia", "Kathleen", "Shirley",
        "Brenda", "Pamela", "Debra", "Carolyn", "Janet", "Diane", "Joyce", "Ruth", "Virginia",
        "Joan", "Judith", "Cheryl", "Martha", "Gloria", "Janice", "Frances", "Jean", "Alice",
        "Judy", "Marilyn", "Beverly", "Doris", "Evelyn", "Helen", "Peggy", "Connie", "Elaine",
    ),
    "Female younger": (
        "Jennifer", "Jessica", "Sarah", "Ashley", "Emily", "Amanda", "Melissa", "Stephanie",
        "Rebecca", "Laura", "Amy", "Angela", "Emma", "Anna", "Nicole", "Samantha", "Katherine",
        "Rachel", "Heather", "Olivia", "Lauren", "Kelly", "Christina", "Andrea", "Hannah",
        "Megan", "Madison", "Abigail", "Sophia", "Isabella", "Julia", "Grace", "Amber",
        "Danielle", "Natalie", "Brittany", "Kayla", "Alexis", "Dina", "Mia", "Chloe", "Ava",
        "Harper", "Zoe", "Aaliyah", "Priya", "Mei", "Jasmine", "Erin", "Tiffany", "Courtney",
    ),
    "Male older": (
        "James", "Robert", "John", "Michael", "William", "Richard", "Thomas", "Charles",
        "Gary", "Larry", "Donald", "Kenneth", "Ronald", "George", "Edward", "Paul", "Dennis",
        "Frank", "Raymond", "Gerald", "Roger", "Walter", "Harold", "Carl", "Arthur", "Lawrence",
        "Wayne", "Ralph", "Eugene", "Bruce", "Roy", "Howard", "Douglas", "Stanley", "Dale",
    ),
    "Male younger": (
        "David", "Joseph", "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Steven",
        "Andrew", "Joshua", "Kevin", "Brian", "Ryan", "Jacob", "Nicholas", "Eric", "Jonathan",
        "Justin", "Brandon", "Tyler", "Aaron", "Adam", "Nathan", "Zachary", "Kyle", "Ethan",
        "Noah", "Liam", "Logan", "Mason", "Dylan", "Caleb", "Austin", "Jordan", "Marcus",
        "Darnell", "Jamal", "Raj", "Kevin", "Sean", "Trevor", "Derek", "Connor", "Owen",
    ),
    "Female Spanish": (
        "Maria", "Guadalupe", "Rosa", "Carmen", "Ana", "Sofia", "Valentina", "Camila", "Lucia",
        "Ximena", "Daniela", "Gabriela", "Isabel", "Elena", "Adriana", "Veronica", "Yesenia",
    ),
    "Male Spanish": (
        "Jose", "Juan", "Luis", "Carlos", "Jorge", "Miguel", "Alejandro", "Diego", "Santiago",
        "Mateo", "Javier", "Francisco", "Antonio", "Manuel", "Ricardo", "Eduardo", "Fernando",
    ),
    "Non-binary": (
        "Alex", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn",
        "Skyler", "Rowan", "Sage", "Charlie", "Emerson", "Finley", "Parker", "Reese", "Robin",
    ),
}
LAST_NAMES: dict[str, tuple[str, ...]] = {
    "English": (
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
        "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson",
        "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
        "Wright", "Scott", "Hill", "Green", "Adams", "Nelson", "Baker", "Hall", "Campbell",
        "Mitchell", "Carter", "Roberts", "Phillips", "Evans", "Turner", "Parker", "Collins",
        "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper",
        "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Cox", "Ward", "Richardson", "Watson",
        "Brooks", "Wood", "James", "Bennett", "Gray", "Hughes", "Price", "Sanders", "Myers",
        "Long", "Ross", "Foster", "Powell", "Jenkins", "Perry", "Russell", "Sullivan", "Bell",
        "Coleman", "Butler", "Henderson", "Barnes", "Fisher", "Henry", "Graham", "Jordan",
        "Reynolds", "Hamilton", "Ford", "Wallace", "Woods", "Cole", "West", "Owens", "Marshall",
        "Simmons", "Ellis", "Stevens", "Murray", "Kennedy", "Wells", "Tucker", "Porter",
        "Hunter", "Hicks", "Crawford", "Boyd", "Mason", "Warren", "Dixon", "Burns", "Gordon",
        "Shaw", "Holmes", "Rice", "Black", "Daniels", "Palmer", "Mills", "Grant", "Knight",
        "Ferguson", "Stone", "Hawkins", "Dunn", "Hudson", "Spencer", "Gardner", "Payne",
        "Pierce", "Berry", "Matthews", "Arnold", "Wagner", "Olson", "Carroll", "Snyder", "Hart",
        "Bradley", "Andrews", "Harper", "Fox", "Riley", "Armstrong", "Weaver", "Lawrence",
        "O'Brien", "O'Connor", "Schmidt", "Schneider", "Meyer", "Kowalski", "Novak", "Larson",
        "Hansen", "Lindqvist", "Patel", "Shah", "Singh", "Nguyen", "Kim", "Chen", "Garcia",
        "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Rivera", "Washington",
    ),
    "Spanish": (
        "Garcia", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Perez", "Sanchez",
        "Ramirez", "Torres", "Flores", "Rivera", "Gomez", "Diaz", "Reyes", "Cruz", "Morales",
        "Ortiz", "Gutierrez", "Chavez", "Ramos", "Ruiz", "Alvarez", "Mendoza", "Castillo",
        "Jimenez", "Vasquez", "Romero", "Herrera", "Medina", "Aguilar", "Vargas", "Castro",
        "Guzman", "Fernandez", "Soto", "Delgado", "Rios", "Nunez", "Rojas",
    ),
    "Chinese": ("Chen", "Wang", "Li", "Zhang", "Liu", "Huang", "Lin", "Wu", "Zhou", "Xu"),
    "Vietnamese": ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Do"),
    "Tagalog": ("Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Aquino", "Mendoza", "Ramos"),
    "Korean": ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang"),
}

# Relative median order value and typical unit price per category (insurance: one policy).
PRICE_FACTOR: Weights = {
    "Food": 1.0, "Premium food": 1.3, "Treats": 0.45, "Toys": 0.55, "Accessories": 0.9,
    "Health & pharmacy": 1.05, "Bedding": 1.45, "Pet insurance": 0.8,
}
UNIT_PRICE: Weights = {
    "Food": 24, "Premium food": 34, "Treats": 7, "Toys": 9, "Accessories": 16,
    "Health & pharmacy": 22, "Bedding": 45, "Pet insurance": float("inf"),
}
EMAIL_PATTERNS = ("{first}.{last}", "{first}{last}", "{first[0]}{last}", "{first}_{last}")
AMOUNT_SIGMA = 0.5  # log-scale spread of order values: long right tail
CHANNEL_LOYALTY = 0.8  # probability that an order uses the customer's preferred channel
# Relative order volume by hour of day (0-23) per channel: stores and phones keep office hours.
HOUR_WEIGHTS: dict[str, tuple[float, ...]] = {
    "Website": (1, .5, .3, .2, .2, .4, 1, 2, 3, 3.5, 4, 4, 4.5, 4.5, 4, 4, 4.5, 5, 6, 7, 7.5,
                6.5, 4.5, 2.5),
    "Mobile app": (1.5, .8, .4, .2, .2, .4, 1.2, 2.5, 3, 3, 3, 3.5, 4.5, 4, 3.5, 3.5, 4, 5, 6,
                   7, 8, 8, 6, 3),
    "In store": (0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 4, 5, 5, 4.5, 4.5, 5, 6, 6, 4, 2, 0, 0, 0),
    "Phone": (0, 0, 0, 0, 0, 0, 0, 0, 1, 4, 5, 5, 3, 4, 5, 5, 4, 3, 1.5, .5, 0, 0, 0, 0),
}

# fmt: on


@dataclass(frozen=True)
class SampleData:
    """The three generated tables, exactly as they are written to disk."""

    customers: pd.DataFrame
    orders: pd.DataFrame
    personas: pd.DataFrame


# --- customers ------------------------------------------------------------------------------


def probabilities(domain: tuple[str, ...], weights: Weights, noise: float) -> np.ndarray:
    """Probability of each value of `domain`: `weights` blended with a uniform `noise` share."""
    unknown = set(weights) - set(domain)
    if unknown:
        raise ValueError(f"{sorted(unknown)} are not among the allowed values {domain}.")
    typical = np.array([weights.get(value, 0.0) for value in domain], dtype=float)
    return (1 - noise) * typical / typical.sum() + noise / len(domain)


def choose(rng: np.random.Generator, weights: Weights, size: int, noise: float = 0.0) -> np.ndarray:
    """`size` values drawn from the keys of `weights`."""
    domain = tuple(weights)
    return np.array(domain, dtype=object)[
        rng.choice(len(domain), size=size, p=probabilities(domain, weights, noise))
    ]


def random_dates(rng: np.random.Generator, first: str, last: str, size: int) -> np.ndarray:
    """`size` uniformly drawn days between `first` and `last` inclusive."""
    start, stop = np.datetime64(first, "D"), np.datetime64(last, "D")
    return start + rng.integers(0, (stop - start).astype(int) + 1, size=size)


def draw_traits(rng: np.random.Generator, persona: Persona, size: int) -> dict[str, np.ndarray]:
    """Categorical attributes of `size` customers of `persona`."""
    traits = {}
    for attribute, domain in DOMAINS.items():
        noise = 0.0 if attribute in STRICT_ATTRIBUTES else persona.noise
        weights = {value: persona.traits[attribute].get(value, 0.0) for value in domain}
        traits[attribute] = choose(rng, weights, size, noise)
    return traits


def draw_places(rng: np.random.Generator, regions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """State and home language of customers living in `regions`."""
    states = np.empty(len(regions), dtype=object)
    languages = np.empty(len(regions), dtype=object)
    for region in DOMAINS["region"]:
        in_region = regions == region
        states[in_region] = choose(rng, STATES[region], int(in_region.sum()))
        languages[in_region] = choose(rng, LANGUAGES[region], int(in_region.sum()))
    return states, languages


def likert(rng: np.random.Generator, mean: float, size: int) -> np.ndarray:
    """Survey answers on a 1-5 agreement scale centred on `mean`."""
    return np.clip(np.round(rng.normal(mean, 0.85, size)), 1, 5).astype(int)


def draw_persona_block(rng: np.random.Generator, persona: Persona, size: int) -> pd.DataFrame:
    """`size` customers of `persona`, with clean (not yet degraded) attribute values."""
    block = pd.DataFrame(draw_traits(rng, persona, size))
    block["age"] = np.clip(np.round(rng.normal(*persona.age, size)), 18, 90).astype(int)
    block["state"], block["language"] = draw_places(rng, block["region"].to_numpy())
    for column, mean in zip(LIKERT_COLUMNS, persona.attitudes, strict=True):
        block[column] = likert(rng, mean, size)
    concentration = 10.0
    open_rate = rng.beta(
        persona.open_rate * concentration, (1 - persona.open_rate) * concentration, size
    )
    block["email_open_rate"] = np.round(open_rate, 2)
    block["email_opt_in"] = np.where(rng.random(size) < persona.opt_in, "Yes", "No")
    block["signup_date"] = random_dates(rng, *persona.signup, size)
    block["persona"] = persona.name
    return block


def persona_sizes(n_customers: int) -> list[int]:
    """Number of customers per persona: shares rounded, the last persona takes the remainder."""
    sizes = [round(persona.share * n_customers) for persona in PERSONAS[:-1]]
    return [*sizes, n_customers - sum(sizes)]


def name_pool(gender: str, age: int, language: str) -> str:
    """Key of FIRST_NAMES to draw a first name from."""
    if gender == "Non-binary":
        return "Non-binary"
    if language == "Spanish":
        return f"{gender} Spanish"
    return f"{gender} {'older' if age >= 55 else 'younger'}"


def draw_from_pools(
    rng: np.random.Generator, keys: pd.Series, pools: dict[str, tuple[str, ...]]
) -> np.ndarray:
    """One value per row, drawn uniformly from the pool named by that row's key."""
    values = np.empty(len(keys), dtype=object)
    for key in sorted(keys.unique()):
        rows = (keys == key).to_numpy()
        values[rows] = np.array(pools[key], dtype=object)[
            rng.integers(0, len(pools[key]), rows.sum())
        ]
    return values


def letters(name: str) -> str:
    """`name` in lower case without spaces, apostrophes or hyphens."""
    return re.sub("[^a-z]", "", name.lower())


def make_emails(rng: np.random.Generator, first: np.ndarray, last: np.ndarray) -> list[str]:
    """Unique addresses in a few common patterns (jane.doe, janedoe, jdoe, jane_doe)."""
    patterns = rng.integers(0, len(EMAIL_PATTERNS), len(first))
    locals_ = [
        EMAIL_PATTERNS[pattern].format(first=letters(given), last=letters(family))
        for given, family, pattern in zip(first, last, patterns, strict=True)
    ]
    clash = pd.Series(locals_).groupby(locals_).cumcount().to_numpy()
    return [
        f"{local}{n + 1 if n else ''}@example.com" for local, n in zip(locals_, clash, strict=True)
    ]


def add_identity(rng: np.random.Generator, people: pd.DataFrame) -> pd.DataFrame:
    """Sort customers by signup, then give them ids, names and emails."""
    people = people.sort_values("signup_date", kind="stable").reset_index(drop=True)
    people["customer_id"] = [f"PD-{i:06d}" for i in range(1, len(people) + 1)]
    keys = [name_pool(*row) for row in people[["gender", "age", "language"]].itertuples(False)]
    first = draw_from_pools(rng, pd.Series(keys), FIRST_NAMES)
    surname_key = people["language"].where(people["language"].isin(list(LAST_NAMES)), "English")
    last = draw_from_pools(rng, surname_key, LAST_NAMES)
    people["name"] = [f"{given} {family}" for given, family in zip(first, last, strict=True)]
    people["email"] = make_emails(rng, first, last)
    return people


def draw_people(rng: np.random.Generator, n_customers: int = N_CUSTOMERS) -> pd.DataFrame:
    """Clean customer attributes plus the planted `persona`, ordered by signup date."""
    blocks = [
        draw_persona_block(rng, persona, size)
        for persona, size in zip(PERSONAS, persona_sizes(n_customers), strict=True)
    ]
    return add_identity(rng, pd.concat(blocks, ignore_index=True))


# --- orders ---------------------------------------------------------------------------------


def day_weights() -> np.ndarray:
    """Relative order volume per day of the window: growth, holiday peak, weekend bump."""
    days = WINDOW_START + np.arange(N_DAYS)
    month = days.astype("datetime64[M]").astype(int) % 12 + 1
    day_of_month = (days - days.astype("datetime64[M]")).astype(int) + 1
    weekday = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    growth = 1.0 + 0.2 * np.arange(N_DAYS) / N_DAYS
    holiday = np.where((month == 12) | ((month == 11) & (day_of_month >= 20)), 1.4, 1.0)
    weekend = np.where(weekday >= 5, 1.15, 1.0)
    return growth * holiday * weekend


def sample_days(
    rng: np.random.Generator, first: np.ndarray, last: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """One day index per row between `first` and `last` inclusive, in proportion to `weights`."""
    cumulative = np.concatenate([[0.0], np.cumsum(weights)])
    low, high = cumulative[first], cumulative[last + 1]
    picked = np.searchsorted(cumulative, low + rng.random(len(first)) * (high - low), "right")
    return np.clip(picked - 1, first, last)


def sample_minutes(rng: np.random.Generator, channels: np.ndarray) -> np.ndarray:
    """Minute of the day of each order, following the channel's opening hours."""
    minutes = np.empty(len(channels), dtype=np.int64)
    for channel in CHANNELS:
        rows = channels == channel
        hours = np.array(HOUR_WEIGHTS[channel], dtype=float)
        hour = rng.choice(24, size=int(rows.sum()), p=hours / hours.sum())
        minutes[rows] = hour * 60 + rng.integers(0, 60, int(rows.sum()))
    return minutes


def activity_span(rng: np.random.Generator, people: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """First and last day index (into the window) on which each customer may order."""
    signup = people["signup_date"].to_numpy().astype("datetime64[D]")
    first = np.maximum((signup - WINDOW_START).astype(int), 0)
    last = np.full(len(people), N_DAYS - 1)
    for persona in PERSONAS:
        rows = (people["persona"] == persona.name).to_numpy()
        if persona.lapse is not None:
            lapse = random_dates(rng, *persona.lapse, int(rows.sum()))
            last[rows] = (lapse - WINDOW_START).astype(int)
    return first, np.maximum(last, first)


def order_counts(rng: np.random.Generator, people: pd.DataFrame) -> np.ndarray:
    """Number of orders per customer: over-dispersed (gamma-Poisson) around the persona mean."""
    counts = np.empty(len(people), dtype=int)
    for persona in PERSONAS:
        rows = (people["persona"] == persona.name).to_numpy()
        shape = 8.0
        rate = rng.gamma(shape, (persona.orders - 1) / shape, int(rows.sum()))
        counts[rows] = np.clip(1 + rng.poisson(rate), *persona.order_range)
    return counts


def order_channels(rng: np.random.Generator, preferred: np.ndarray) -> np.ndarray:
    """Channel of each order: usually the customer's preferred one, otherwise any channel."""
    other = np.array(CHANNELS, dtype=object)[rng.integers(0, len(CHANNELS), len(preferred))]
    return np.where(rng.random(len(preferred)) < CHANNEL_LOYALTY, preferred, other)


def baskets(
    rng: np.random.Generator, personas: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Category, number of items and amount of each order, by the buyer's persona."""
    category = np.empty(len(personas), dtype=object)
    amount = np.empty(len(personas))
    for persona in PERSONAS:
        rows = personas == persona.name
        category[rows] = choose(rng, persona.categories, int(rows.sum()))
        factor = pd.Series(category[rows]).map(PRICE_FACTOR).to_numpy()
        mean_factor = sum(share * PRICE_FACTOR[c] for c, share in persona.categories.items())
        mean_factor /= sum(persona.categories.values())
        spread = rng.lognormal(-(AMOUNT_SIGMA**2) / 2, AMOUNT_SIGMA, int(rows.sum()))
        amount[rows] = persona.aov * factor / mean_factor * spread
    amount = np.maximum(np.round(amount, 2), 2.99)
    unit = pd.Series(category).map(UNIT_PRICE).to_numpy()
    items = np.maximum(1, np.round(amount / unit * rng.lognormal(0, 0.25, len(amount))))
    return category, items.astype(int), amount


def regular_orders(
    rng: np.random.Generator, people: pd.DataFrame, first: np.ndarray, last: np.ndarray
) -> pd.DataFrame:
    """Everyday orders of every customer, each on a day between `first` and `last`."""
    buyer = np.repeat(np.arange(len(people)), order_counts(rng, people))
    day = sample_days(rng, first[buyer], last[buyer], day_weights())
    channel = order_channels(rng, people["preferred_channel"].to_numpy()[buyer])
    category, items, amount = baskets(rng, people["persona"].to_numpy()[buyer])
    minute = day * MINUTES_PER_DAY + sample_minutes(rng, channel)
    frame = {"buyer": buyer, "minute": minute, "channel": channel, "category": category}
    return pd.DataFrame({**frame, "items": items, "amount": amount})


def breeder_orders(
    rng: np.random.Generator, people: pd.DataFrame, first: np.ndarray, last: np.ndarray
) -> pd.DataFrame:
    """A few bulk orders ($1,500-$5,000) from dog breeders hidden among the dog lovers."""
    dog_people = ["Dog-lover Dina", "Eco-conscious naturals"]
    candidates = np.flatnonzero(people["persona"].isin(dog_people) & (people["pet_type"] == "Dog"))
    breeders = np.sort(rng.choice(candidates, N_BREEDERS, replace=False))
    buyer = np.repeat(breeders, rng.integers(3, 7, N_BREEDERS))
    day = sample_days(rng, first[buyer], last[buyer], np.ones(N_DAYS))
    channel = choose(rng, {"Phone": 0.5, "Website": 0.5}, len(buyer))
    minute = day * MINUTES_PER_DAY + sample_minutes(rng, channel)
    return pd.DataFrame(
        {
            "buyer": buyer,
            "minute": minute,
            "channel": channel,
            "category": choose(rng, {"Food": 0.5, "Premium food": 0.5}, len(buyer)),
            "items": rng.integers(40, 160, len(buyer)),
            "amount": np.round(rng.uniform(1_500, 5_000, len(buyer)), 2),
        }
    )


def returns(rng: np.random.Generator, orders: pd.DataFrame) -> pd.DataFrame:
    """Refund rows (full or partial) for about RETURN_RATE of `orders`, 2-30 days later.

    A return keeps the time of day of its purchase (so in-store returns fall in opening hours);
    returns that would fall after the window are not in the export.
    """
    returned = orders[rng.random(len(orders)) < RETURN_RATE].copy()
    delay_days = rng.integers(2, 31, len(returned))
    returned["minute"] += delay_days * MINUTES_PER_DAY
    returned = returned[returned["minute"] < N_DAYS * MINUTES_PER_DAY].copy()
    full = rng.random(len(returned)) < 0.6
    fraction = np.where(full, 1.0, rng.uniform(0.2, 0.8, len(returned)))
    returned["items"] = np.maximum(1, np.round(returned["items"] * fraction)).astype(int)
    returned["amount"] = -np.round(returned["amount"] * fraction, 2)
    returned["order_id"] = "R" + returned["order_id"]
    return returned


def draw_orders(rng: np.random.Generator, people: pd.DataFrame) -> pd.DataFrame:
    """Orders and returns of `people`, in date order, as written to disk."""
    first, last = activity_span(rng, people)
    orders = pd.concat(
        [regular_orders(rng, people, first, last), breeder_orders(rng, people, first, last)]
    )
    orders = orders.sort_values(["minute", "buyer"], kind="stable").reset_index(drop=True)
    orders["order_id"] = [f"SO-{1_000_001 + i}" for i in range(len(orders))]
    orders = pd.concat([orders, returns(rng, orders)], ignore_index=True)
    orders = orders.sort_values("minute", kind="stable").reset_index(drop=True)
    timestamps = WINDOW_START.astype("datetime64[m]") + orders["minute"].to_numpy()
    orders["order_date"] = np.char.replace(np.datetime_as_string(timestamps, "m"), "T", " ")
    orders["customer_id"] = people["customer_id"].to_numpy()[orders["buyer"].to_numpy()]
    return orders[list(ORDER_COLUMNS)]


# --- quirks and output ----------------------------------------------------------------------


def degrade(rng: np.random.Generator, people: pd.DataFrame) -> pd.DataFrame:
    """Customers as exported: placeholder-coded missing values and a few very old customers."""
    customers = people.copy()
    customers["email_open_rate"] = [f"{rate:.2f}" for rate in customers["email_open_rate"]]
    customers["signup_date"] = customers["signup_date"].dt.strftime("%Y-%m-%d")
    n_missing = round(MISSING_SHARE * len(customers))
    for column in MISSING_COLUMNS:
        customers[column] = customers[column].astype(object)
        rows = rng.choice(len(customers), n_missing, replace=False)
        tokens = rng.choice(len(MISSING_TOKENS), n_missing, p=MISSING_TOKEN_WEIGHTS)
        customers.loc[rows, column] = np.array(MISSING_TOKENS, dtype=object)[tokens]
    retired = people["persona"].eq("Retired cat companions") & customers["age"].map(
        lambda age: isinstance(age, int)
    )
    oldest = rng.choice(np.flatnonzero(retired), N_AGE_OUTLIERS, replace=False)
    customers.loc[oldest, "age"] = [int(age) for age in rng.integers(95, 100, N_AGE_OUTLIERS)]
    return customers[list(CUSTOMER_COLUMNS)]


def build_sample(seed: int = SEED, n_customers: int = N_CUSTOMERS) -> SampleData:
    """Generate the whole sample in memory; the same seed always gives the same tables."""
    rng = np.random.default_rng(seed)
    people = draw_people(rng, n_customers)
    orders = draw_orders(rng, people)
    customers = degrade(rng, people)
    return SampleData(customers, orders, people[["customer_id", "persona"]].copy())


def render(sample: SampleData) -> dict[str, str]:
    """CSV text of each output file, keyed by file name."""
    return {
        CUSTOMERS_FILE: sample.customers.to_csv(index=False, lineterminator="\n"),
        ORDERS_FILE: sample.orders.to_csv(index=False, lineterminator="\n", float_format="%.2f"),
        PERSONAS_FILE: sample.personas.to_csv(index=False, lineterminator="\n"),
    }


def write(texts: dict[str, str], directory: Path = DATA_DIR) -> None:
    """Write each file; gzip with a zero timestamp so reruns are byte-identical."""
    for file_name, text in texts.items():
        payload = text.encode("utf-8")
        if file_name.endswith(".gz"):
            payload = gzip.compress(payload, compresslevel=9, mtime=0)
        (directory / file_name).write_bytes(payload)


def main() -> None:
    sample = build_sample()
    write(render(sample))
    counts = ", ".join(f"{len(frame):,} {name}" for name, frame in vars(sample).items())
    print(f"Wrote {counts} rows to {DATA_DIR}")


if __name__ == "__main__":
    main()

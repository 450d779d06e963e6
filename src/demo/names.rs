//! Word lists for the demo tenant: invented but ordinary names, departments and titles.

pub const GIVEN: &[&str] = &[
    "Aaron", "Abigail", "Adam", "Aisha", "Alex", "Alice", "Amir", "Ana", "Andrew", "Anna", "Ben",
    "Bianca", "Carla", "Carlos", "Chen", "Chloe", "Daniel", "David", "Diana", "Dmitri", "Elena",
    "Emil", "Emma", "Ethan", "Fatima", "Felix", "Grace", "Hannah", "Hiro", "Ines", "Isaac", "Ivan",
    "Jack", "James", "Jana", "Jonas", "Julia", "Kai", "Karen", "Laura", "Leo", "Lina", "Lucas",
    "Maya", "Mei", "Mia", "Nadia", "Noah", "Olga", "Omar", "Paul", "Priya", "Rafael", "Rosa",
    "Sam", "Sara", "Tom", "Uma", "Victor", "Yara", "Yusuf", "Zoe",
];

pub const FAMILY: &[&str] = &[
    "Abbott", "Adams", "Ahmed", "Alvarez", "Baker", "Becker", "Brown", "Castro", "Chen", "Clarke",
    "Costa", "Davies", "Dubois", "Evans", "Fischer", "Garcia", "Gonzalez", "Green", "Hall",
    "Hansen", "Hughes", "Ito", "Jansen", "Jones", "Kaur", "Kim", "Klein", "Kowalski", "Larsen",
    "Lee", "Lopez", "Martin", "Meyer", "Moreau", "Muller", "Nakamura", "Nguyen", "Novak", "Okafor",
    "Olsen", "Patel", "Petrov", "Quinn", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith",
    "Suzuki", "Tanaka", "Taylor", "Thomas", "Torres", "Usman", "Valdez", "Walker", "Weber", "Wong",
    "Yilmaz", "Young", "Zhang",
];

pub const DEPARTMENTS: &[&str] = &[
    "Sales",
    "Engineering",
    "Finance",
    "Human Resources",
    "Marketing",
    "Customer Support",
    "Legal",
    "Operations",
    "IT",
    "Research",
    "Procurement",
    "Facilities",
];

pub const TITLES: &[&str] = &[
    "Analyst",
    "Senior Analyst",
    "Specialist",
    "Engineer",
    "Senior Engineer",
    "Team Lead",
    "Manager",
    "Coordinator",
    "Consultant",
    "Director",
    "Associate",
    "Administrator",
];

/// The company's main mail domain and a second one (an acquired business unit).
pub const DOMAINS: &[&str] = &["northwind.example", "northwind-labs.example"];

"""The customers store on a PostgreSQL server: one database a team's machines share."""

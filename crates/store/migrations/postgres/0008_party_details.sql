-- What 人民调解法 第二十九条 asks the agreement to state of each party: gender, age,
-- ethnicity, occupation, employer (the address was there already). Gender and age come
-- from the ID number when one is given; otherwise they are typed.
ALTER TABLE mediation_parties ADD COLUMN gender TEXT;
ALTER TABLE mediation_parties ADD COLUMN birth_year INTEGER;
ALTER TABLE mediation_parties ADD COLUMN ethnicity TEXT;
ALTER TABLE mediation_parties ADD COLUMN occupation TEXT;
ALTER TABLE mediation_parties ADD COLUMN employer TEXT;

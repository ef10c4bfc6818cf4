insert into orders (id, amount_cents) values ('4711', 12900), ('4712', 4500);
insert into customers (id, name) values (42, 'Dana Example'), (43, 'Eli Example');

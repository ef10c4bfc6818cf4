create table orders (id varchar(32) primary key, amount_cents bigint not null);
create table refunds (id bigint auto_increment primary key, order_id varchar(32) not null references orders(id),
  amount_cents bigint not null);
create table customers (id bigint primary key, name varchar(100) not null);

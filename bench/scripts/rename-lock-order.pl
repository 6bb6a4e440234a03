#!/usr/bin/perl
# Why a write queued behind a RENAME can fail with 1146 (docs/revert.md, "The 1146 finding"): repeats pt-osc-style
# forward triggers, osc4j's reverse triggers and the rotating RENAME under concurrent autocommit writers, and counts the
# writers' errors by code. Needs a scratch MariaDB (it drops and creates tables t, the copy, the kept table in `app`)
# and Perl DBI with DBD::mysql (Debian: libdbd-mysql-perl, installed with percona-toolkit).
#
#   SOCK=/path/to/mysqld.sock perl bench/scripts/rename-lock-order.pl RUNS WRITERS VARIANT
#
# VARIANT: base (the rotation), order2 (the pairs in the other order), otherk (reverse triggers into a table never
# renamed), twoway (a plain two-way RENAME of a table with triggers), noreverse (no reverse triggers).
# NAMES=copy,kept,swap,other sets the names (default _t_new,_t_old,_t_swp,_t_x; t_new,t_old,_t_swp,_t_x sort after t).
# PRESLEEP=seconds between creating the reverse triggers and the RENAME (default 0.2; the engine: none).
# OPS=digits restricts the writers' statements (0 insert, 1 update, 2 delete). IODKU=1 uses INSERT ... ON DUPLICATE
# KEY UPDATE instead of REPLACE in the reverse triggers.
use strict; use warnings; use DBI; use Time::HiRes qw(time sleep usleep);
my ($runs, $writers, $variant) = @ARGV;
my ($N,$K,$S,$X) = split /,/, ($ENV{NAMES} // '_t_new,_t_old,_t_swp,_t_x'); $variant //= 'base';
my $sock = $ENV{SOCK} or die "set SOCK to the socket of a scratch MariaDB with a database app\n";
my $stopfile = ($ENV{TMPDIR} // "/tmp") . "/rename-lock-order.$$";
my $dsn = "DBI:mysql:database=app;mysql_socket=$sock";
sub conn { my $d = DBI->connect($dsn, 'root', '', {RaiseError=>0, PrintError=>0, AutoCommit=>1, AutoInactiveDestroy=>1}) or die; return $d }
my $d = conn();
sub x { my ($sql) = @_; $d->do($sql) or die "$sql: " . $d->errstr }
sub trig { my ($name, $on, $into, $ev) = @_;
  if ($ENV{IODKU} && $into ne $N) {
    my $v = "VALUES (NEW.id,NEW.a,NEW.b) ON DUPLICATE KEY UPDATE a=NEW.a, b=NEW.b";
    if ($ev eq 'ins') { x("CREATE TRIGGER $name AFTER INSERT ON $on FOR EACH ROW INSERT INTO $into (id,a,b) $v") }
    elsif ($ev eq 'upd') { x("CREATE TRIGGER $name AFTER UPDATE ON $on FOR EACH ROW BEGIN DELETE IGNORE FROM $into WHERE !(OLD.id <=> NEW.id) AND $into.id <=> OLD.id; INSERT INTO $into (id,a,b) $v; END") }
    else { x("CREATE TRIGGER $name AFTER DELETE ON $on FOR EACH ROW DELETE IGNORE FROM $into WHERE $into.id <=> OLD.id") }
    return;
  }
  if ($ev eq 'ins') { x("CREATE TRIGGER $name AFTER INSERT ON $on FOR EACH ROW REPLACE INTO $into (id,a,b) VALUES (NEW.id,NEW.a,NEW.b)") }
  elsif ($ev eq 'upd') { x("CREATE TRIGGER $name AFTER UPDATE ON $on FOR EACH ROW BEGIN DELETE IGNORE FROM $into WHERE !(OLD.id <=> NEW.id) AND $into.id <=> OLD.id; REPLACE INTO $into (id,a,b) VALUES (NEW.id,NEW.a,NEW.b); END") }
  else { x("CREATE TRIGGER $name AFTER DELETE ON $on FOR EACH ROW DELETE IGNORE FROM $into WHERE $into.id <=> OLD.id") }
}
my %err; my $total = 0; my @fails;
for my $run (1..$runs) {
  x("DROP TABLE IF EXISTS t, $N, $K, $S");
  x("CREATE TABLE t (id INT PRIMARY KEY AUTO_INCREMENT, a INT, b VARCHAR(50))");
  x("INSERT INTO t (a,b) SELECT seq, 'x' FROM seq_1_to_5000");
  x("CREATE TABLE $N LIKE t"); x("ALTER TABLE $N ADD COLUMN c INT NULL");
  x("INSERT INTO $N (id,a,b) SELECT id,a,b FROM t");
  trig("fw_ins", "t", "$N", "ins"); trig("fw_upd", "t", "$N", "upd"); trig("fw_del", "t", "$N", "del");
  unlink $stopfile;
  my @pids;
  for my $w (1..$writers) {
    my $pid = fork();
    if (!$pid) {
      my $c = conn(); my $n = 0; my @f;
      while (!-e $stopfile) {
        my $op = $ENV{OPS} ? (split //, $ENV{OPS})[int(rand(length $ENV{OPS}))] : int(rand(3)); my $id = 1 + int(rand(5000)); my $ok; my $t0 = time;
        if ($op == 0) { $ok = $c->do("INSERT INTO t (a,b) VALUES (?, 'w')", undef, $id) }
        elsif ($op == 1) { $ok = $c->do("UPDATE t SET a = a + 1 WHERE id = ?", undef, $id) }
        else { $ok = $c->do("DELETE FROM t WHERE id = ?", undef, $id) }
        $n++;
        push @f, sprintf("%.6f %.6f %d op%d:%s", $t0, time, $c->err, $op, $c->errstr) unless defined $ok;
      }
      open my $fh, '>', "$stopfile.w$w"; print $fh "$n\n"; print $fh "$_\n" for @f; close $fh; exit 0;
    }
    push @pids, $pid;
  }
  sleep 0.3;
  if ($variant ne 'noplaceholder') { x("CREATE TABLE $K LIKE t") }
  my $into = ($variant eq 'otherk' || $variant eq 'twoway') ? $X : $K;
  if ($variant eq 'otherk' || $variant eq 'twoway') { x("DROP TABLE IF EXISTS $X"); x("CREATE TABLE $X LIKE t") }
  if ($variant ne 'noreverse') { trig("rv_ins", "$N", $into, "ins"); trig("rv_upd", "$N", $into, "upd"); trig("rv_del", "$N", $into, "del"); }
  sleep($ENV{PRESLEEP} // 0.2);
  my $r0 = time;
  if ($variant eq 'twoway') { x("RENAME TABLE t TO $S, $N TO t") }
  elsif ($variant eq 'order2') { x("RENAME TABLE t TO $S, $N TO t, $K TO $N, $S TO $K") }
  else { x("RENAME TABLE $K TO $S, t TO $K, $N TO t, $S TO $N") }
  my $r1 = time;
  x("DROP TRIGGER fw_ins"); x("DROP TRIGGER fw_upd"); x("DROP TRIGGER fw_del");
  x("DROP TABLE IF EXISTS $N");
  sleep 0.2;
  open my $s, '>', $stopfile; close $s;
  waitpid($_, 0) for @pids;
  for my $w (1..$writers) {
    open my $fh, '<', "$stopfile.w$w"; my $n = <$fh>; chomp $n; $total += $n;
    while (my $l = <$fh>) { chomp $l; my ($a, $b, $code, $msg) = split / /, $l, 4; $err{"$code $msg"}++; push @fails, sprintf("run %d rename [%.6f,%.6f] fail start %+.6f end %+.6f: %s", $run, $r0, $r1, $a - $r1, $b - $r1, "$code $msg") }
    close $fh;
  }
}
print "variant=$variant runs=$runs writers=$writers writes=$total\n";
print "  $_: $err{$_}\n" for sort keys %err;
print "  $_\n" for @fails[0..($#fails < 9 ? $#fails : 9)];

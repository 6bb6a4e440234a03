# osc4j plugin for pt-online-schema-change (written by osc4j's PtOscEngine into each run directory).
#
# What it does, and why:
# - Reports every hook pt-online-schema-change calls as one JSON object per line in the run's events file, so the
#   engine knows the phase and the exact names of what the run created without scraping the tool's output.
# - Holds before_swap_tables until the release file exists: a postponed cut-over, so an orchestrator can swap the
#   tables of several shards together. While it holds, it keeps pt-osc's connections alive.
# - Makes the pause file take effect within pause_poll seconds: pt-osc 3.2.1 checks --pause-file only every
#   60 seconds while paused, because its row iterator is created without a sleep argument.
# - Throttles partially: before each chunk it reads the ratio file; with a ratio r in (0, 1) it first pauses for
#   r / (1 - r) of the time the previous chunk took (at most 5 s), so the copy runs at about 1 - r of its speed.
#   pt-osc 3.2.1 has no per-chunk plugin hook; its row iterator fetches each chunk's boundaries in
#   NibbleIterator::_next_boundaries, which this wraps.
#
# Configuration: osc4j_plugin.conf next to this file, "key=value" lines. It holds no secret.
package pt_online_schema_change_plugin;

use strict;
use warnings FATAL => 'all';
use File::Basename qw(dirname);
use Time::HiRes qw();

my %CONF;
{
    my $file = dirname(__FILE__) . '/osc4j_plugin.conf';
    open(my $fh, '<', $file) or die "osc4j plugin: cannot read $file: $!\n";
    while (my $line = <$fh>) {
        chomp $line;
        next if $line =~ m/^\s*(#|$)/;
        my ($key, $value) = split(/=/, $line, 2);
        $CONF{$key} = defined $value ? $value : '';
    }
    close($fh);
    foreach my $required (qw(events release)) {
        die "osc4j plugin: $file lacks $required\n" unless defined $CONF{$required} && length $CONF{$required};
    }
}

# The pause file poll: wrap NibbleIterator::new (pt-osc's row iterator, defined before this file is loaded) so it
# gets a sleep interval; pt-osc 3.2.1 does not pass one and the iterator falls back to 60 seconds.
if ($CONF{pause_poll} && NibbleIterator->can('new')) {
    no warnings 'redefine';
    my $original = \&NibbleIterator::new;
    my $poll = $CONF{pause_poll} + 0;
    *NibbleIterator::new = sub {
        my ($class, %args) = @_;
        $args{sleep} = $poll unless defined $args{sleep};
        return $original->($class, %args);
    };
}

# The partial throttle: wrap NibbleIterator::_next_boundaries, called once per chunk, to pause before the next one.
if ($CONF{ratio} && NibbleIterator->can('_next_boundaries')) {
    no warnings 'redefine';
    my $original = \&NibbleIterator::_next_boundaries;
    my $last_end;
    my $applied = 0;
    *NibbleIterator::_next_boundaries = sub {
        my $ratio = _ratio();
        if (defined $last_end && $ratio > 0) {
            my $worked = Time::HiRes::time() - $last_end;
            my $pause = $worked * $ratio / (1 - $ratio);
            $pause = 5 if $pause > 5;
            if ($ratio != $applied) {
                _event('throttle_ratio', ratio => $ratio, worked_us => int($worked * 1e6),
                    pause_us => int($pause * 1e6));
                $applied = $ratio;
            }
            Time::HiRes::sleep($pause) if $pause > 0;
        } elsif ($ratio == 0 && $applied != 0) {
            _event('throttle_ratio', ratio => 0);
            $applied = 0;
        }
        my @result = wantarray ? $original->(@_) : scalar($original->(@_));
        $last_end = Time::HiRes::time();
        return wantarray ? @result : $result[0];
    };
}

# The ratio file's value, 0 when it is absent or not a number in (0, 1).
sub _ratio {
    open(my $fh, '<', $CONF{ratio}) or return 0;
    my $line = <$fh>;
    close($fh);
    return 0 unless defined $line;
    $line =~ s/\s+//g;
    return 0 unless $line =~ m/^0?\.\d+$/ || $line =~ m/^0(?:\.0*)?$/;
    my $r = $line + 0;
    return ($r > 0 && $r < 1) ? $r : 0;
}

sub _json_string {
    my ($s) = @_;
    return 'null' unless defined $s;
    $s =~ s/(["\\])/\\$1/g;
    $s =~ s/\n/\\n/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\t/\\t/g;
    $s =~ s/([\x00-\x1f])/sprintf('\\u%04x', ord($1))/ge;
    return '"' . $s . '"';
}

sub _event {
    my ($event, %fields) = @_;
    my $json = '{"event":' . _json_string($event)
        . ',"ts":' . int(Time::HiRes::time() * 1000)
        . ',"pid":' . $$;
    foreach my $key (sort keys %fields) {
        my $value = $fields{$key};
        $json .= ',' . _json_string($key) . ':'
            . (defined $value && $value =~ m/^-?\d+\z/ ? $value : _json_string($value));
    }
    $json .= "}\n";
    open(my $fh, '>>', $CONF{events}) or die "osc4j plugin: cannot append to $CONF{events}: $!\n";
    print {$fh} $json;
    close($fh) or die "osc4j plugin: cannot write $CONF{events}: $!\n";
    return;
}

sub _table {
    my ($tbl) = @_;
    return () unless ref $tbl eq 'HASH';
    return (db => $tbl->{db}, table => $tbl->{tbl});
}

sub new {
    my ($class, %args) = @_;
    my $self = bless { cxn => $args{cxn}, aux_cxn => $args{aux_cxn} }, $class;
    _event('plugin_loaded', execute => ($args{execute} ? 1 : 0));
    return $self;
}

sub init {
    my ($self, %args) = @_;
    my $slaves = $args{slaves} || [];
    my $lag = $args{slave_lag_cxns} || [];
    # description() is "name -> host:port": pt-osc names replicas by their hostname in its messages.
    _event('init', _table($args{orig_tbl}),
        replicas => join(';', map { $_->description() } @$slaves),
        lag_checked_on => join(';', map { $_->description() } @$lag));
}

sub before_create_new_table { _event('before_create_new_table'); }

sub after_create_new_table {
    my ($self, %args) = @_;
    _event('after_create_new_table', _table($args{new_tbl}));
}

sub before_alter_new_table { _event('before_alter_new_table'); }
sub after_alter_new_table { _event('after_alter_new_table'); }
sub before_create_triggers { _event('before_create_triggers'); }
sub after_create_triggers { _event('after_create_triggers'); }
sub before_copy_rows { _event('before_copy_rows'); }
sub after_copy_rows { _event('after_copy_rows'); }

sub before_swap_tables {
    my ($self) = @_;
    my $release = $CONF{release};
    if (-e $release) {
        _event('released', held_ms => 0);
        return;
    }
    _event('hold');
    my $started = Time::HiRes::time();
    my $keepalive = $CONF{keepalive} || 60;
    my $last_ping = $started;
    until (-e $release) {
        Time::HiRes::sleep(0.05);
        if (Time::HiRes::time() - $last_ping >= $keepalive) {
            # pt-osc's sessions have a wait_timeout; an idle hold must not outlive it.
            foreach my $cxn (grep { defined } ($self->{cxn}, $self->{aux_cxn})) {
                $cxn->dbh()->do("SELECT 'osc4j hold keepalive'");
            }
            $last_ping = Time::HiRes::time();
        }
    }
    _event('released', held_ms => int((Time::HiRes::time() - $started) * 1000));
}

sub after_swap_tables {
    my ($self, %args) = @_;
    _event('after_swap_tables', _table($args{old_tbl}));
}

sub before_update_foreign_keys { _event('before_update_foreign_keys'); }
sub after_update_foreign_keys { _event('after_update_foreign_keys'); }
sub before_drop_old_table { _event('before_drop_old_table'); }
sub after_drop_old_table { _event('after_drop_old_table'); }

sub before_drop_triggers {
    my ($self, %args) = @_;
    _event('before_drop_triggers', oktorun => ($args{oktorun} ? 1 : 0),
        drop_triggers => ($args{drop_triggers} ? 1 : 0));
}

sub before_exit {
    my ($self, %args) = @_;
    _event('before_exit', exit_status => $args{exit_status});
}

1;

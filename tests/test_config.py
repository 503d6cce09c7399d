import pytest

from graph_aws.config import load_settings
from graph_aws.errors import ConfigError

SECRET = "my-very-secret-external-id"


def test_command_line_beats_environment_beats_config_file(tmp_path):
    config = tmp_path / "graph-aws.toml"
    config.write_text(
        '[graph-aws]\nrole-name = "FromFile"\nconcurrency = 3\nskip-accounts = ["111111111111"]\n'
    )
    env = {
        "GRAPH_AWS_ROLE_NAME": "FromEnv",
        "GRAPH_AWS_EXTERNAL_ID": SECRET,
        "GRAPH_AWS_ORGANIZATION": "true",
    }
    settings = load_settings({"concurrency": 5}, config, env)
    assert settings.role_name == "FromEnv"
    assert settings.concurrency == 5
    assert settings.organization is True
    assert settings.skip_accounts == ["111111111111"]
    assert settings.external_id_value() == SECRET
    assert SECRET not in repr(settings) and SECRET not in str(settings.public())


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"organization": True}, "--organization needs --role-name"),
        ({"role_name": "arn:aws:iam::111111111111:role/x"}, "--role-name"),
        ({"skip_accounts": ("12345",)}, "--skip-account: .*12 digits; not: 12345"),
        ({"skip_ous": ("engineering",)}, "--skip-ou: .*not: engineering"),
        ({"skip_tag": "j1-integration"}, "--skip-tag: .*KEY=VALUE"),
        ({"concurrency": 0}, "--concurrency"),
        ({"role_arn": "JupiterOne"}, "--role-arn: .*arn:aws:iam"),
    ],
)
def test_bad_settings_name_the_option_and_the_fix(values, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(values, None, {})


def test_a_bad_external_id_is_reported_without_its_value():
    with pytest.raises(ConfigError) as error:
        load_settings({"external_id": "bad id with spaces " + SECRET}, None, {})
    assert "--external-id" in str(error.value)
    assert SECRET not in str(error.value)


def test_config_file_problems_are_explained(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_settings({}, tmp_path / "missing.toml", {})
    broken = tmp_path / "broken.toml"
    broken.write_text("role-name = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({}, broken, {})
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('rolename = "x"\n')
    with pytest.raises(ConfigError, match="unknown setting 'rolename'"):
        load_settings({}, unknown, {})


def test_list_settings_from_the_environment_are_comma_separated():
    env = {"GRAPH_AWS_SKIP_OUS": "ou-aaaa-11111111, ou-bbbb-22222222", "GRAPH_AWS_ORGANIZATION": "1"}
    settings = load_settings({"role_name": "R"}, None, env)
    assert settings.skip_ous == ["ou-aaaa-11111111", "ou-bbbb-22222222"]


def config_file(tmp_path, text):
    path = tmp_path / "graph-aws.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("concurrency = true\n", r"concurrency in .*: expected a whole number, not True"),
        ('concurrency = "8"\n', r"concurrency in .*: expected a whole number, not '8'"),
        ("organization = 1\n", r"organization in .*: expected true or false, not 1"),
        ("role-name = 7\n", r"role-name in .*: expected a string, not 7"),
        ("read-timeout = false\n", r"read-timeout in .*: expected a number"),
        ("skip-ous = 5\n", r"skip-ous in .*: expected a list of strings"),
    ],
)
def test_config_values_of_the_wrong_type_are_refused_not_converted(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({}, config_file(tmp_path, text), {})


def test_a_secret_of_the_wrong_type_is_refused_without_its_value(tmp_path):
    with pytest.raises(ConfigError, match="external-id in .*expected a string") as error:
        load_settings({}, config_file(tmp_path, "external-id = 918273645\n"), {})
    assert "918273645" not in str(error.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('rolename = "x"\n', r"unknown setting 'rolename'; did you mean 'role-name'\?"),
        (
            'skip-account = ["111111111111"]\n',
            r"unknown setting 'skip-account'; did you mean 'skip-accounts'\?",
        ),
        ('[graph_aws]\nrole-name = "x"\n', r"unknown table \[graph_aws\]; did you mean 'graph-aws'\?"),
        ('concurrency = 4\n[graph-aws]\nrole-name = "x"\n', r"key 'concurrency' is outside \[graph-aws\]"),
        ('[graph-aws]\nrole-name = "x"\n[graph-aw]\nx = 1\n', r"table \[graph-aw\] is outside \[graph-aws\]"),
        ('[graph-aws]\nrole-nam = "x"\n', r"unknown setting 'role-nam'; did you mean 'role-name'\?"),
        ("graph-aws = 3\n", r"graph-aws must be a table"),
        (
            '[graph-aws]\n[graph-aws.smart-classes]\nA = "x"\n',
            r"\[graph-aws.smart-classes\] would be ignored",
        ),
    ],
)
def test_every_key_that_would_be_ignored_is_an_error_naming_the_nearest_valid_one(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({}, config_file(tmp_path, text), {})


def test_tables_read_by_other_commands_are_allowed(tmp_path):
    text = '[graph-aws]\nconcurrency = 3\n\n[smart-classes]\nProd = "FIND aws_account"\n'
    assert load_settings({}, config_file(tmp_path, text), {}).concurrency == 3
    assert load_settings({}, config_file(tmp_path, 'concurrency = 2\n[smart-classes]\nA = "x"\n'), {})


@pytest.mark.parametrize("spelling", ["true", "TRUE", "1", "yes", "On", " true "])
def test_documented_true_spellings_in_the_environment(spelling):
    env = {"GRAPH_AWS_ORGANIZATION": spelling, "GRAPH_AWS_ROLE_NAME": "R"}
    assert load_settings({}, None, env).organization is True


@pytest.mark.parametrize("spelling", ["false", "0", "no", "OFF"])
def test_documented_false_spellings_in_the_environment(spelling):
    assert load_settings({}, None, {"GRAPH_AWS_ORGANIZATION": spelling}).organization is False


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("GRAPH_AWS_ORGANIZATION", "ture", r"GRAPH_AWS_ORGANIZATION='ture': expected true or false"),
        ("GRAPH_AWS_ORGANIZATION", "y", r"GRAPH_AWS_ORGANIZATION='y': expected true or false"),
        ("GRAPH_AWS_CONCURRENCY", "eight", r"GRAPH_AWS_CONCURRENCY='eight': expected a whole number"),
        ("GRAPH_AWS_CONCURRENCY", "0", r"GRAPH_AWS_CONCURRENCY: Input should be greater than or equal to 1"),
        ("GRAPH_AWS_READ_TIMEOUT", "soon", r"GRAPH_AWS_READ_TIMEOUT='soon': expected a number of seconds"),
    ],
)
def test_environment_values_that_do_not_parse_are_errors(variable, value, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({}, None, {variable: value})


def test_timeouts_come_from_every_source(tmp_path):
    settings = load_settings(
        {"read_timeout": 9.5},
        config_file(tmp_path, "connect-timeout = 2\nread-timeout = 40\ncall-timeout = 60\n"),
        {"GRAPH_AWS_CALL_TIMEOUT": "45"},
    )
    assert (settings.connect_timeout, settings.read_timeout, settings.call_timeout) == (2, 9.5, 45)
    defaults = load_settings({}, None, {})
    assert defaults.connect_timeout <= 10 and 10 <= defaults.read_timeout <= 60


def test_workers_default_to_the_cores_but_at_least_twenty_accounts_each():
    default = load_settings({}, None, {})
    assert default.worker_count(5, cores=8) == 1  # a worker's start would cost more than it saves
    assert default.worker_count(100, cores=8) == 5
    assert default.worker_count(1000, cores=8) == 8
    assert default.worker_count(100, cores=2) == 2
    explicit = load_settings({"workers": 3}, None, {})
    assert explicit.worker_count(5, cores=8) == 3  # --workers N is honoured
    assert explicit.worker_count(2, cores=8) == 2  # but no more processes than accounts


def test_regions_aws_does_not_have_are_refused_unless_allowed():
    with pytest.raises(ConfigError, match=r"--regions: xx-fake-9: not a region of AWS .*--allow-missing"):
        load_settings({"regions": "us-east-1,xx-fake-9"}, None, {})
    allowed = load_settings({"regions": "us-east-1,xx-fake-9", "allow_missing": True}, None, {})
    assert allowed.regions == ["us-east-1", "xx-fake-9"]
    assert load_settings({"regions": "eu-west-1,us-gov-west-1,cn-north-1"}, None, {}).regions


@pytest.mark.parametrize("option", ["skip_accounts", "skip_ous", "include_ous"])
def test_account_selection_needs_organization_mode(option):
    value = ("111111111111",) if option == "skip_accounts" else ("ou-aaaa-11111111",)
    with pytest.raises(ConfigError, match="need --organization"):
        load_settings({option: value}, None, {})

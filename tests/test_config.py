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
        ({"skip_accounts": ("12345",)}, "--skip-account .*12 digits; not: 12345"),
        ({"skip_ous": ("engineering",)}, "--skip-ou .*not: engineering"),
        ({"skip_tag": "j1-integration"}, "--skip-tag .*KEY=VALUE"),
        ({"concurrency": 0}, "--concurrency"),
        ({"role_arn": "JupiterOne"}, "--role-arn .*arn:aws:iam"),
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
    settings = load_settings({}, None, {"GRAPH_AWS_SKIP_OUS": "ou-aaaa-11111111, ou-bbbb-22222222"})
    assert settings.skip_ous == ["ou-aaaa-11111111", "ou-bbbb-22222222"]

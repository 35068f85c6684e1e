"""Study format v2 (issue 9 items 3–6): counts or shares, team roles, per-mechanism prices, price-mode
groups, own lines ([inputs] + [[lines]]), Dirichlet compositions and the multi-year [plan]."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from mkba import Study, base_case
from mkba.cli import main
from mkba.simulator.engine import run
from mkba.simulator.study import StudyError

R = 0.055  # 2.5 % + 3 % (the default discounting)
DF = (1 + R) ** -np.arange(10.0)


def raw_study(**blocks) -> dict:
    raw = {
        "study": {"name": "fmt"},
        "simulation": {"draws": 2000, "seed": 11},
        "reach": {
            "n_households": 2000,
            "share_newly_found": 0.2,
            "share_type": {"families": 0.3, "elderly": 0.4, "other": 0.3},
            "share_severity": {
                "families": {"ev": 0.4, "mv_zr": 0.3, "mv_nzr": 0.25, "top": 0.05},
                "elderly": {"ev": 0.8, "mv_zr": 0.1, "mv_nzr": 0.1},
                "other": {"ev": 0.4, "mv_zr": 0.35, "mv_nzr": 0.25},
            },
        },
        "costs": {"team_fte": 10, "cost_per_fte": 74_000},
    }
    for path, value in blocks.items():
        node = raw
        *parents, last = path.split("__")
        for k in parents:
            node = node.setdefault(k, {})
        node[last] = value
    return raw


def study(**blocks) -> Study:
    return Study.from_dict(raw_study(**blocks), source="studies/x.toml")


def base_lines(s: Study) -> dict[str, float]:
    b = base_case(s)
    return {it: float(b["npv"][0, i].sum()) for i, it in enumerate(s.model.items)}


def problems(raw: dict) -> list[str]:
    with pytest.raises(StudyError) as exc:
        Study.from_dict(raw, source="studies/x.toml")
    return [str(p) for p in exc.value.problems]


class TestCountsOrShares:
    def test_persons_to_work_as_a_count(self):
        s = study(effects__work={"persons": 4})
        # 4 persons × € 16,800 saved assistance a year, years 1..3 (defaults: start 1, 3 years)
        assert base_lines(s)["effectiveness"] == pytest.approx(4 * 16_800 * DF[1:4].sum())

    def test_count_equals_the_share_that_gives_the_same_number(self):
        share = study(effects__work={"p_to_work": 0.05})
        mv = 2000 * (0.3 * 0.55 * 0.8 + 0.4 * 0.2 * 1.0 + 0.3 * 0.6 * 0.8)  # mv households without work
        count = study(effects__work={"persons": 0.05 * mv})
        assert base_lines(count)["effectiveness"] == pytest.approx(base_lines(share)["effectiveness"])

    @pytest.mark.parametrize("block, given", [
        ("effects__debt", {"households": 5}),
        ("effects__school", {"youths": 3}),
        ("effects__substitution", {"trajectories": 220, "mix": {"social_work": 1.0}}),
    ])
    def test_other_counts(self, block, given):
        s = study(**{block: given}, prices__trajectory={"social_work": 500}, prices__debt_saving=1000)
        got = base_lines(s)
        if block == "effects__debt":
            assert got["effectiveness"] == pytest.approx(5 * 1000 * DF[1])
        elif block == "effects__school":
            assert got["children"] == pytest.approx(3 * 70_000 * DF[9])
        else:
            assert got["substitution"] == pytest.approx(220 * 500)

    def test_escalation_as_households_per_type(self):
        s = study(effects__escalation={"households": {"families": 5, "other": 5}, "duration_years": 1.0})
        # 5 families over ev/mv zr/mv nzr (0.4/0.3/0.25 of the 0.95 below top) × the one-class step totals
        # of the West Betuwe profile, and the same for 5 other households (0.4/0.35/0.25), in year 1
        fam = 5 * (0.4 * 8200 + 0.3 * 8300 + 0.25 * 35500) / 0.95
        oth = 5 * (0.4 * 9200 + 0.35 * 1300 + 0.25 * 12100)
        assert base_lines(s)["escalation"] == pytest.approx((fam + oth) * DF[1])

    @pytest.mark.parametrize("block, given, where", [
        ("work", {"p_to_work": 0.05, "persons": 4}, "effects.work"),
        ("debt", {"p_stable": 0.1, "households": 5}, "effects.debt"),
        ("substitution", {"new_cases": 0.3, "trajectories": 220}, "effects.substitution"),
    ])
    def test_both_forms_is_a_located_error(self, block, given, where):
        msgs = problems(raw_study(**{f"effects__{block}": given}))
        assert any(m.startswith(f"studies/x.toml: {where}: give either") and "not both" in m for m in msgs), msgs

    def test_neither_form_is_a_located_error(self):
        msgs = problems(raw_study(effects__work={"start_year": 1}))
        assert any(m.startswith("studies/x.toml: effects.work: give p_to_work") for m in msgs), msgs

    def test_scenario_may_switch_the_form(self):
        raw = raw_study(effects__work={"p_to_work": 0.05})
        raw["scenarios"] = [{"name": "vier", "set": {"effects.work.persons": 4}}]
        s = Study.from_dict(raw).scenario("vier")
        assert base_lines(s)["effectiveness"] == pytest.approx(4 * 16_800 * DF[1:4].sum())


class TestTeamAndPrices:
    def test_team_as_roles(self):
        raw = raw_study()
        raw["costs"] = {"team": {"consultants": {"fte": 25, "cost_per_fte": 74_000},
                                 "team_leader": {"fte": 1, "cost_per_fte": 90_000}}}
        got = base_lines(Study.from_dict(raw))
        assert got["null_situation"] == pytest.approx(25 * 74_000 + 90_000)

    def test_roles_and_team_fte_is_a_located_error(self):
        raw = raw_study()
        raw["costs"]["team"] = {"consultants": {"fte": 25, "cost_per_fte": 74_000}}
        assert any("studies/x.toml: costs: give the team either as roles" in m for m in problems(raw))

    def test_average_price_per_mechanism(self):
        s = study(effects__substitution={"trajectories": 220, "price": 1_200,
                                         "mix": {"social_work": 0.5, "household_help": 0.5}},
                  costs__extra_care={"trajectories": 10, "price": 5_000, "mix": {"youth_parenting": 1.0}})
        b = base_case(s)
        items, actors = s.model.items, list(b["npv"].shape)
        got = base_lines(s)
        assert got["substitution"] == pytest.approx(220 * 1_200)
        assert got["extra_care"] == pytest.approx(10 * 5_000)
        from mkba.simulator.domain import ACTORS
        sub = b["npv"][0, items.index("substitution")]
        assert sub[ACTORS.index("welzijn")] == pytest.approx(110 * 1_200)
        assert sub[ACTORS.index("wmo")] == pytest.approx(110 * 1_200)
        assert actors[1] == len(items)

    def test_price_mode_groups(self):
        from mkba.simulator.domain import ACTORS
        s = study(effects__tailored={"mode": "price", "groups": {
            "jeugd": {"trajectories": 250, "cost_reduction": 0.10, "price": 9_000, "actors": {"jeugd": 1.0}},
            "wmo": {"trajectories": 500, "cost_reduction": 0.10, "price": 3_000, "actors": {"wmo": 1.0}}}})
        b = base_case(s)
        row = b["npv"][0, s.model.items.index("tailored")]
        assert row[ACTORS.index("jeugd")] == pytest.approx(250 * 0.1 * 9_000)
        assert row[ACTORS.index("wmo")] == pytest.approx(500 * 0.1 * 3_000)

    def test_groups_and_eligible_trajectories_is_a_located_error(self):
        raw = raw_study(effects__tailored={"mode": "price", "eligible_trajectories": 750, "groups": {
            "a": {"trajectories": 1, "cost_reduction": 0.1, "price": 1, "actors": {"wmo": 1.0}}}})
        assert any(m.startswith("studies/x.toml: effects.tailored: price mode takes either groups")
                   for m in problems(raw))


EARN_BACK = {
    "inputs": {
        "complex_households": {"dist": "pert", "min": 250, "mode": 300, "max": 350, "source": "x"},
        "cost_per_household": {"value": 70_000, "source": "y"},
        "reduction": {"dist": "uniform", "min": 0.25, "max": 0.60, "base": 0.25},
    },
    "lines": [{
        "name": "samenwerkingsrendement", "title": "Samenwerkingsrendement", "kind": "financial",
        "factors": ["inputs.complex_households", "inputs.cost_per_household", "inputs.reduction"],
        "timing": [0, 0.5, 0.5, 0, 0, 0, 0, 0, 0, 0], "actors": {"jeugd": 0.5, "wmo": 0.5},
    }],
}


def own_study(**changes) -> dict:
    raw = raw_study()
    raw.update(copy.deepcopy(EARN_BACK))
    for k, v in changes.items():
        raw["lines"][0][k] = v
    return raw


class TestOwnLines:
    def test_line_is_the_product_times_discounted_timing(self):
        s = Study.from_dict(own_study())
        out = run(s.model, s.parameters, draws=3000, seed=5).outputs
        i = s.model.items.index("samenwerkingsrendement")
        x = run(s.model, s.parameters, draws=3000, seed=5).inputs
        expected = x["inputs.complex_households"] * 70_000 * x["inputs.reduction"] * (0.5 * DF[1] + 0.5 * DF[2])
        assert_allclose(out["line"][:, i], expected, rtol=1e-12)
        assert_allclose(out["samenwerkingsrendement"], expected, rtol=1e-12)  # a sensitivity target by name
        # it counts as a financial benefit: in benefits and in the financial ratio, half to each actor
        from mkba.simulator.domain import ACTORS
        assert_allclose(out["npv"][:, i, ACTORS.index("jeugd")], expected / 2, rtol=1e-12)
        builtin = out["line"][:, : i].sum(axis=1) - out["costs"]  # every built-in line is a benefit but costs
        assert_allclose(out["benefits"], out["line"][:, i] + builtin, rtol=1e-9)
        assert_allclose(out["bc_financial"], (out["benefits"] - out["immaterial"]) / out["costs"], rtol=1e-12)

    def test_start_and_duration_form(self):
        raw = own_study(timing=None)
        del raw["lines"][0]["timing"]
        raw["lines"][0].update(start_year=1, duration_years=2.5)
        got = base_lines(Study.from_dict(raw))["samenwerkingsrendement"]
        assert got == pytest.approx(300 * 70_000 * 0.25 * (DF[1] + DF[2] + 0.5 * DF[3]))

    def test_scenario_overrides_an_input(self):
        raw = own_study()
        raw["scenarios"] = [{"name": "zestig", "set": {"inputs.reduction": 0.60}}]
        s = Study.from_dict(raw)
        base = base_lines(s)["samenwerkingsrendement"]
        sixty = base_lines(s.scenario("zestig"))["samenwerkingsrendement"]
        assert sixty == pytest.approx(base * 0.60 / 0.25)

    def test_model_input_as_factor(self):
        raw = own_study(factors=["reach.n_households", "inputs.cost_per_household"], timing=[1] + [0] * 9)
        assert base_lines(Study.from_dict(raw))["samenwerkingsrendement"] == pytest.approx(2000 * 70_000)

    def test_unknown_factor_is_a_located_error(self):
        msgs = problems(own_study(factors=["inputs.complex_housholds", "inputs.reduction"]))
        assert msgs == ["studies/x.toml: lines[0].factors[0]: unknown input 'inputs.complex_housholds' (a factor "
                        "is a study input, e.g. inputs.<name>, or a model input by its path); did you mean "
                        "'inputs.complex_households'?"]

    def test_builtin_name_and_both_timings_are_errors(self):
        assert any("lines[0].name" in m for m in problems(own_study(name="saldo")))
        msgs = problems(own_study(start_year=1))
        assert any("lines[0]: give either timing" in m for m in msgs), msgs


def test_own_line_in_run_report_and_sensitivity(tmp_path, capsys):
    """An own line in --json, summary.csv, report, workbook and as a sensitivity target."""
    from mkba.simulator.results import simulate
    from mkba.outputs.report import write_report

    s = Study.from_dict(own_study(), source=str(tmp_path / "x.toml"))
    ds = simulate(s, draws=500)
    assert "samenwerkingsrendement" in ds["item"].values.tolist()
    assert ds["kind"].sel(item="samenwerkingsrendement").item() == "financial"
    written = write_report(ds, tmp_path, lang="nl", study=s)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<td class=\"l\">Samenwerkingsrendement</td>" in html  # a row of the results table, by its title
    assert written
    from openpyxl import load_workbook
    wb = load_workbook(tmp_path / "summary.xlsx")
    assert any(c.value == "Samenwerkingsrendement" for row in wb.worksheets[0].iter_rows() for c in row)
    from mkba.sensitivity import oneway
    tornado = oneway(s.model, s.parameters, target="samenwerkingsrendement")
    assert tornado["parameter"].values[0] == "inputs.reduction"  # the widest factor drives it most


class TestDirichlet:
    MEAN = {"families": 0.3, "elderly": 0.4, "other": 0.3}

    def comp_study(self, c: float = 50.0) -> Study:
        return study(reach__share_type={"dist": "dirichlet", "mean": self.MEAN, "concentration": c},
                     costs__cost_per_fte={"dist": "pert", "min": 70_000, "mode": 74_000, "max": 78_000},
                     effects__escalation={"rate": {"families": 0.01, "elderly": 0.01, "other": 0.01}})

    def test_sum_to_one_means_and_variances(self):
        s = self.comp_study()
        res = run(s.model, s.parameters, draws=40_000, seed=3)
        x = np.column_stack([res.inputs[f"reach.share_type.{t}"] for t in self.MEAN])
        assert_allclose(x.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        m = np.array(list(self.MEAN.values()))
        var = m * (1 - m) / 51  # Dirichlet: Var = m (1 − m) / (c + 1)
        assert_allclose(x.mean(axis=0), m, atol=4 * np.sqrt(var / 40_000).max())
        assert_allclose(x.var(axis=0), var, rtol=0.05)
        # components are negatively correlated: Cov = −m_i m_j / (c + 1)
        assert np.cov(x[:, 0], x[:, 1])[0, 1] == pytest.approx(-0.3 * 0.4 / 51, rel=0.1)

    def test_bit_identical_for_any_chunk_size(self):
        s = self.comp_study()
        a = run(s.model, s.parameters, draws=5_000, seed=9, chunk_size=5_000)
        b = run(s.model, s.parameters, draws=5_000, seed=9, chunk_size=333, workers=2)
        for k in ("saldo", "benefits"):
            assert_array_equal(a.outputs[k], b.outputs[k])
        assert_array_equal(a.inputs["reach.share_type.elderly"], b.inputs["reach.share_type.elderly"])

    def test_base_is_the_mean_and_one_group(self):
        s = self.comp_study()
        p = s.parameters
        assert [p[f"reach.share_type.{t}"].base for t in self.MEAN] == pytest.approx(list(self.MEAN.values()))
        assert {p[f"reach.share_type.{t}"].group for t in self.MEAN} == {"reach"}
        assert p.compositions and len(p.compositions[0][0]) == 3

    def test_mix_and_actor_split_as_dirichlet(self):
        s = study(effects__substitution={"trajectories": 100, "price": 1000, "mix": {
            "dist": "dirichlet", "mean": {"social_work": 0.5, "household_help": 0.5}, "concentration": 20}},
            costs__funding={"dist": "dirichlet", "mean": {"welzijn": 0.7, "wmo": 0.3}, "concentration": 30})
        out = run(s.model, s.parameters, draws=2000, seed=1).outputs
        from mkba.simulator.domain import ACTORS
        i = s.model.items.index("substitution")
        sw, wmo = out["npv"][:, i, ACTORS.index("welzijn")], out["npv"][:, i, ACTORS.index("wmo")]
        assert_allclose(sw + wmo, 100_000, rtol=1e-12)  # the mix moves money between actors, never creates it
        assert sw.std() > 1_000

    def test_dirichlet_errors(self):
        msgs = problems(raw_study(reach__share_type={"dist": "dirichlet", "mean": {"families": 0.5, "elderly": 0.4,
                                                                                   "other": 0.2},
                                                     "concentration": 50}))
        assert any("reach.share_type: shares must sum to 1" in m for m in msgs), msgs
        msgs = problems(raw_study(reach__share_type={"dist": "dirichlet", "mean": self.MEAN, "concentration": 0}))
        assert any("concentration must be a number > 0" in m for m in msgs), msgs

    def test_grouped_sobol_treats_the_composition_as_one_group(self):
        from mkba.sensitivity.analysis import analyse_study

        res = analyse_study(self.comp_study(), method="sobol", n=64, groups=True)
        design = json.loads(res.attrs["design"])
        assert design["groups"].count("reach") == 3  # the three shares are one group
        assert res["parameter"].values.tolist() == ["reach", "costs"] and res.attrs["n_evaluations"] == 64 * 4
        assert float(res["value"].sel(parameter="reach", index="ST")) > 0.5  # the composition drives escalation


class TestPlan:
    EFFECTS = {"effects__work": {"persons": 4}, "effects__substitution": {"trajectories": 220, "price": 500},
               "effects__escalation": {"households": {"families": 5, "other": 5}}}

    def test_one_year_at_full_effect_equals_no_plan(self):
        plain = study(**self.EFFECTS, costs__cost_per_fte={"dist": "pert", "min": 70_000, "mode": 74_000,
                                                           "max": 78_000})
        raw = copy.deepcopy(dict(plain.raw))
        raw["plan"] = {"years": [2021], "team_fte": [10], "ramp_up": [1.0]}
        planned = Study.from_dict(raw)
        a = run(plain.model, plain.parameters, draws=2000, seed=4).outputs
        b = run(planned.model, planned.parameters, draws=2000, seed=4).outputs
        for k in ("line", "npv", "costs", "benefits", "saldo", "bc_social", "bc_financial", "bc_municipal",
                  "actor_costs", "actor_benefits"):
            assert_array_equal(a[k], b[k], err_msg=k)
        # and the per-year flows of that one cohort are its cash flows over years 0..9
        assert_allclose(b["plan_costs"].sum(axis=2).sum(axis=1) + 0, a["costs"], rtol=1e-12)  # costs all in year 0
        assert_allclose(b["plan_costs_discounted"][:, 0].sum(axis=1), a["costs"], rtol=1e-12)

    def test_cohorts_scale_and_discount(self):
        plain = study(**self.EFFECTS)
        raw = copy.deepcopy(dict(plain.raw))
        raw["plan"] = {"years": [2021, 2022, 2023], "team_fte": [5, 10, 10], "ramp_up": [0.25, 0.5, 1.0],
                       "investments": [1_200_000, 600_000, 300_000]}
        planned = Study.from_dict(raw)
        one, many = base_lines(plain), base_lines(planned)
        team = 0.5 + DF[1] + DF[2]  # team lines scale with fte / 10
        ramp = 0.25 + 0.5 * DF[1] + DF[2]  # effect lines with the ramp-up
        for item in ("null_situation", "new_for_old"):
            assert many[item] == pytest.approx(one[item] * team)
        for item in ("substitution", "effectiveness", "escalation"):
            assert many[item] == pytest.approx(one[item] * ramp)
        assert many["investment"] == pytest.approx(1_200_000 + 600_000 * DF[1] + 300_000 * DF[2])
        b = base_case(planned)
        # the municipal budget per calendar year, by hand for 2021: the first cohort's year 0 at half the team
        # (costs and new-for-old cancel) + a quarter of its substitution saving − the investment
        assert b["plan_municipal"][0, 0] == pytest.approx(0.25 * 220 * 500 - 1_200_000)
        # 2022: second cohort's year 0 (half effect) + the first cohort's year-1 work saving and escalation
        # municipal part of the one-class steps (W&I + Wmo + Welzijn + Jeugd of the profile); weight 1 in year 1
        esc_y1 = 5 * (0.4 * 7200 + 0.3 * 7800 + 0.25 * 34100) / 0.95 + 5 * (0.4 * 8000 + 0.35 * 1300 + 0.25 * 1300)
        work_y1 = 4 * 16_800
        expected = 0.5 * 220 * 500 + 0.25 * (work_y1 + esc_y1) - 600_000
        assert b["plan_municipal"][0, 1] == pytest.approx(expected)
        assert b["plan_costs"].shape[1] == 3 + 9

    def test_run_prints_the_municipal_budget_per_year(self, tmp_path, capsys):
        import tomllib  # noqa: F401
        raw = raw_study(**self.EFFECTS)
        raw["costs"]["cost_per_fte"] = {"dist": "pert", "min": 70_000, "mode": 74_000, "max": 78_000}
        raw["plan"] = {"years": [2021, 2022], "team_cost": [370_000, 740_000], "ramp_up": [0.5, 1.0]}
        path = tmp_path / "plan.toml"
        path.write_text(_toml(raw), encoding="utf-8")
        assert main(["run", str(path), "--draws", "500", "--out", str(tmp_path / "o"), "--no-report"]) == 0
        out = capsys.readouterr().out
        assert "Begroting van de gemeente per jaar" in out and "\n2021 " in out and "\n2022 " in out
        # years after the last municipal cash flow are left out
        years = [int(line.split()[0]) for line in out[out.index("Begroting"):].splitlines() if line[:4].isdigit()]
        assert years == list(range(2021, years[-1] + 1)) and years[-1] <= 2031
        assert main(["run", str(path), "--draws", "500", "--out", str(tmp_path / "o2"), "--no-report",
                     "--json"]) == 0
        res = json.loads(capsys.readouterr().out)
        m = res["plan"]["municipal"]
        assert res["plan"]["years"][0] == 2021 and len(m["p5"]) == 2 + 9
        assert all(lo <= mid <= hi for lo, mid, hi in zip(m["p5"], m["p50"], m["p95"]))

    def test_plan_errors(self):
        raw = raw_study()
        raw["plan"] = {"years": [2021, 2022], "team_fte": [10]}
        assert any("plan: " in m and "team_fte needs one value per plan year (2)" in m for m in problems(raw))


def _toml(raw: dict) -> str:
    """A tiny TOML writer for the test studies (tables, numbers, strings, lists of numbers)."""
    lines: list[str] = []

    def value(v):
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        return repr(v)

    def table(prefix, d):
        simple = {k: v for k, v in d.items() if not (isinstance(v, dict) and any(isinstance(x, dict) for x in
                                                                                   v.values()) or k in BLOCKS)}
        nested = {k: v for k, v in d.items() if k not in simple}
        if prefix:
            lines.append(f"[{prefix}]")
        for k, v in simple.items():
            lines.append(f"{k} = {value(v)}")
        for k, v in nested.items():
            table(f"{prefix}.{k}" if prefix else k, v)

    table("", raw)
    return "\n".join(lines) + "\n"


BLOCKS = {"study", "simulation", "reach", "costs", "effects", "prices", "plan", "work", "substitution",
          "escalation", "share_severity"}


def test_oneway_moves_a_dirichlet_share_within_its_set():
    """Moving one actor share of an own line re-splits the line; its total stays the product."""
    from mkba.sensitivity import oneway

    raw = own_study()
    raw["lines"][0]["actors"] = {"dist": "dirichlet", "mean": {"jeugd": 0.5, "wmo": 0.3, "wi": 0.2},
                                 "concentration": 20}
    s = Study.from_dict(raw)
    t = oneway(s.model, s.parameters, target="samenwerkingsrendement")
    shares = [p for p in t["parameter"].values if ".actors." in p]
    assert len(shares) == 3
    assert_allclose(t["swing"].sel(parameter=shares).values, 0.0, atol=1e-6)
    j = oneway(s.model, s.parameters, target="actor:jeugd")
    assert float(j["swing"].sel(parameter="lines.samenwerkingsrendement.actors.jeugd")) > 0

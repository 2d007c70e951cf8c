"""qa.evaluate and qa.eval_data: loaders on tiny fixtures, metrics against hand-computed values, the CLI."""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path
from typing import Any

import pytest

import qa.evaluate
from qa.cli import main
from qa.errors import InputError
from qa.eval_data import PARAGRAPH_JOIN, load_beir, load_squad, parse_squad
from qa.evaluate import (
    Case,
    Judged,
    Metrics,
    evaluate_beir,
    evaluate_squad,
    judge,
    ndcg_at_10,
    run_squad,
    sample,
    select_articles,
    summarize,
)
from qa.types import Answer, Citation, Hit, Passage

from .conftest import FakeEmbedder

SQUAD_KEYS = [
    "recall@1",
    "recall@5",
    "mrr@10",
    "highlight@1",
    "abstain_precision",
    "abstain_recall",
    "questions_per_second",
    "questions",
]
BEIR_KEYS = [*SQUAD_KEYS[:3], "ndcg@10", *SQUAD_KEYS[3:]]


# ----- fixtures ---------------------------------------------------------------------------------------------

VOLCANO_1 = "Mount Kivara is a volcano in Tanzania. Its crater holds a green acid lake."
VOLCANO_2 = "The last eruption of Kivara happened in 1874. Farmers grow coffee on its slopes."
VIOLIN_1 = "The Stradi violin was carved from maple wood. Luthiers varnish it with amber resin."
VIOLIN_2 = "A famous quartet played the Stradi violin in Vienna during 1921."


def _qa(qid: str, question: str, context: str, answer: str) -> dict[str, Any]:
    return {
        "id": qid,
        "question": question,
        "answers": [{"answer_start": context.index(answer), "text": answer}] * 2,
    }


def squad_v1() -> dict[str, Any]:
    return {
        "version": "1.1",
        "data": [
            {
                "title": "Mount_Kivara",
                "paragraphs": [
                    {
                        "context": VOLCANO_1,
                        "qas": [_qa("v1", "Which lake fills its crater?", VOLCANO_1, "green acid lake")],
                    },
                    {
                        "context": VOLCANO_2,
                        "qas": [
                            _qa("v2", "When was the last eruption of Kivara?", VOLCANO_2, "1874"),
                            # Asked in the violin article's words: the volcano article ranks second.
                            _qa("v3", "Which quartet played the Stradi violin in Vienna?", VOLCANO_2, "coffee"),
                        ],
                    },
                ],
            },
            {
                "title": "Stradi_violin",
                "paragraphs": [
                    {
                        "context": VIOLIN_1,
                        "qas": [_qa("s1", "What wood was the violin carved from?", VIOLIN_1, "maple")],
                    },
                    {
                        "context": VIOLIN_2,
                        "qas": [_qa("s2", "Where did the quartet play the violin?", VIOLIN_2, "Vienna")],
                    },
                ],
            },
        ],
    }


def squad_v2() -> dict[str, Any]:
    data = squad_v1()
    data["version"] = "v2.0"
    data["data"][0]["paragraphs"][0]["qas"].append(
        {
            "id": "x1",
            "question": "Which painter painted Zenobia's portrait?",
            "answers": [],
            "plausible_answers": [{"answer_start": 0, "text": "Mount"}],
            "is_impossible": True,
        }
    )
    return data


@pytest.fixture
def v1_path(tmp_path: Path) -> Path:
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(squad_v1()), encoding="utf-8")
    return path


@pytest.fixture
def beir_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "beir"
    (folder / "qrels").mkdir(parents=True)
    docs = [
        {"_id": "d1", "title": "Kivara", "text": "Mount Kivara is a volcano with an acid crater lake."},
        {
            "_id": "d2",
            "title": "Coffee",
            "text": "Coffee farmers harvest beans on volcanic slopes in autumn.",
        },
        {
            "_id": "d3",
            "title": "Harvest",
            "text": "Farmers harvest beans on slopes; the beans harvest festival.",
        },
    ]
    queries = [
        {"_id": "q1", "text": "volcano acid crater lake"},
        {"_id": "q2", "text": "farmers harvest beans festival"},
        {"_id": "q3", "text": "a query nobody judged"},
    ]
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(d) for d in docs), encoding="utf-8")
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries), encoding="utf-8")
    qrels = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t2\nq2\td3\t1\nq2\td1\t0\n"
    (folder / "qrels" / "test.tsv").write_text(qrels, encoding="utf-8")
    return folder


# ----- loaders ----------------------------------------------------------------------------------------------


def test_squad_answers_map_into_the_rebuilt_article(v1_path: Path) -> None:
    articles = load_squad(v1_path)
    assert [a.title for a in articles] == ["Mount Kivara", "Stradi violin"]
    volcano = articles[0]
    assert volcano.text == VOLCANO_1 + PARAGRAPH_JOIN + VOLCANO_2
    spans = {q.id: q.answers for q in volcano.questions}
    start = len(VOLCANO_1) + len(PARAGRAPH_JOIN) + VOLCANO_2.index("1874")
    assert spans["v2"] == ((start, start + 4),)
    assert volcano.text[start : start + 4] == "1874"
    assert len(spans["v2"]) == 1  # repeated gold answers are kept once
    for a in articles:
        for q in a.questions:
            assert all(a.text[s:e] for s, e in q.answers)


def test_squad_zip_and_v2_impossible(tmp_path: Path) -> None:
    path = tmp_path / "dev-v2.0.json.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("dev-v2.0.json", json.dumps(squad_v2()))
    questions = {q.id: q for a in load_squad(path) for q in a.questions}
    assert questions["x1"].impossible and questions["x1"].answers == ()
    assert not questions["v1"].impossible


def test_squad_bad_input(tmp_path: Path) -> None:
    broken = squad_v1()
    broken["data"][0]["paragraphs"][0]["qas"][0]["answers"][0]["answer_start"] += 1
    with pytest.raises(InputError, match="not at offset"):
        parse_squad(broken)
    with pytest.raises(InputError, match="not SQuAD JSON"):
        parse_squad({"rows": []})
    with pytest.raises(InputError, match="does not exist"):
        load_squad(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not readable JSON"):
        load_squad(tmp_path / "bad.json")
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as z:
        z.writestr("a.json", "{}")
        z.writestr("b.json", "{}")
    with pytest.raises(InputError, match="exactly one"):
        load_squad(two)


def test_beir_loader_keeps_judged_queries_and_positive_grades(beir_dir: Path) -> None:
    data = load_beir(beir_dir)
    assert [d.id for d in data.docs] == ["d1", "d2", "d3"]
    assert [(q.id, dict(q.relevant)) for q in data.queries] == [("q1", {"d1": 1}), ("q2", {"d2": 2, "d3": 1})]
    with pytest.raises(InputError, match="not a BEIR folder"):
        load_beir(beir_dir / "qrels")
    (beir_dir / "qrels" / "test.tsv").write_text("q1\tnope\t1\n", encoding="utf-8")
    with pytest.raises(InputError, match="not in corpus"):
        load_beir(beir_dir)


def test_splits_and_samples_are_fixed() -> None:
    articles = parse_squad({"data": squad_v1()["data"] * 3})
    assert len(select_articles(articles, "even")) == 3 and len(select_articles(articles, "odd")) == 3
    assert select_articles(articles, "odd")[0].title == "Stradi violin"
    assert sample(range(100), 5, seed=1) == sample(range(100), 5, seed=1) != sample(range(100), 5, seed=2)
    assert sample([1, 2], 5, 0) == [1, 2]
    with pytest.raises(InputError):
        sample([1], 0, 0)
    with pytest.raises(InputError):
        select_articles(articles, "third")  # type: ignore[arg-type]


# ----- metrics, by hand -------------------------------------------------------------------------------------


def _hit(article: str, start: int, end: int, highlight: tuple[int, int], rank: int) -> Hit:
    passage = Passage(
        id=rank, article_id=article, text="x" * (end - start), start=start, end=end,
        paragraph_start=1, paragraph_end=1, line_start=1, line_end=1,
    )  # fmt: skip
    citation = Citation(title=article, source=article, paragraphs=(1, 1), lines=(1, 1), chars=(start, end))
    return Hit(passage=passage, citation=citation, score=1.0, highlight=highlight, rank=rank)


def _answer(hits: list[Hit], found: bool = True) -> Answer:
    return Answer(question="q", found=found, confidence=0.9 if found else 0.1, hits=tuple(hits))


def test_judge_needs_the_right_article_and_an_overlapping_span() -> None:
    case = Case("q", "q", spans={"A": ((50, 60),)})
    hits = [_hit("B", 0, 100, (0, 100), 1), _hit("A", 0, 50, (0, 50), 2), _hit("A", 40, 100, (5, 25), 3)]
    assert judge(_answer(hits), case) == Judged("q", True, False, 3, False)
    # Top passage right; its highlight [45, 65) holds the whole span [50, 60).
    assert judge(_answer(hits[2:], found=False), case) == Judged("q", True, True, 1, True)
    # Overlap is enough for a hit, but a highlight cutting the span in half is not.
    assert judge(_answer([_hit("A", 55, 90, (0, 10), 1)]), case) == Judged("q", True, False, 1, False)
    assert judge(_answer(hits), Case("u", "u")) == Judged("u", False, False, None, False)


def test_summarize_by_hand() -> None:
    judged = [
        Judged("a", True, False, 1, True),
        Judged("b", True, False, 3, False),
        Judged("c", True, True, None, False),
        Judged("d", True, False, 6, True),
        Judged("e", False, True, None, False),
        Judged("f", False, False, 2, False),
    ]
    m = summarize(judged, judged, questions=6, seconds=2.0)
    assert m.recall_at_1 == 1 / 4 and m.recall_at_5 == 2 / 4
    assert m.mrr_at_10 == pytest.approx((1 + 1 / 3 + 1 / 6) / 4)
    assert m.highlight_at_1 == 2 / 4
    assert m.abstain_precision == 1 / 2 and m.abstain_recall == 1 / 2  # abstained on c (wrong) and e (right)
    assert m.questions_per_second == 3.0 and m.questions == 6
    assert list(m.as_dict()) == SQUAD_KEYS
    none = summarize(judged[:4], judged[:4], questions=4, seconds=1.0)
    assert none.abstain_precision is None and none.abstain_recall is None


def test_ndcg_counts_each_document_once_at_its_first_passage() -> None:
    ideal = 2 + 1 / math.log2(3)
    assert ndcg_at_10(["d1", "d2", "d1", "d3"], {"d3": 2, "d1": 1}) == pytest.approx((1 + 2 / 2) / ideal)
    assert ndcg_at_10(["d3", "d1"], {"d3": 2, "d1": 1}) == pytest.approx(1.0)
    assert ndcg_at_10(["d2"], {"d3": 2}) == 0.0


# ----- end to end with the fake embedder --------------------------------------------------------------------


def test_evaluate_squad_v1(v1_path: Path) -> None:
    metrics = evaluate_squad(v1_path, embedder=FakeEmbedder())
    assert list(metrics) == ["dense", "lexical", "hybrid"]
    for m in metrics.values():
        # v3 is asked in the other article's words: its article comes second; the other four come first.
        assert (m.recall_at_1, m.recall_at_5) == (4 / 5, 1.0)
        assert m.mrr_at_10 == pytest.approx((4 + 1 / 2) / 5)
        assert m.highlight_at_1 == 4 / 5
        assert m.abstain_precision is None and m.abstain_recall is None
        assert m.questions == 5 and m.questions_per_second > 0


def test_heldout_questions_are_unanswerable_and_recall_uses_every_article(v1_path: Path) -> None:
    run = run_squad(load_squad(v1_path), FakeEmbedder(), modes=["lexical"], unanswerable="heldout")
    m = run.metrics["lexical"]
    assert run.articles == 2
    assert m.recall_at_1 == 4 / 5 and m.questions == 5
    assert m.abstain_recall is not None and m.abstain_precision is not None
    with pytest.raises(InputError, match="two articles"):
        run_squad(load_squad(v1_path), FakeEmbedder(), articles="odd", unanswerable="heldout")


def test_v2_impossible_question_is_scored_as_abstention(tmp_path: Path) -> None:
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(squad_v2()), encoding="utf-8")
    run = run_squad(load_squad(path), FakeEmbedder(), modes=["hybrid"])
    m, judged = run.metrics["hybrid"], run.judged["hybrid"]
    assert m.questions == 6 and m.recall_at_1 == 4 / 5  # recall over the five answerable questions only
    impossible = [j for j in judged if not j.answerable]
    abstained = [j for j in judged if j.abstained]
    assert len(impossible) == 1 and impossible[0].abstained  # nothing to find: the fake model abstains too
    assert m.abstain_recall == 1.0 and m.abstain_precision == 1 / len(abstained)


def test_limit_samples_questions_but_indexes_every_article(v1_path: Path) -> None:
    run = run_squad(load_squad(v1_path), FakeEmbedder(), modes=["dense"], limit=2, seed=3)
    assert run.metrics["dense"].questions == 2 and run.articles == 2
    with pytest.raises(InputError, match="unknown mode"):
        run_squad(load_squad(v1_path), FakeEmbedder(), modes=["sparse"])  # type: ignore[list-item]


def test_evaluate_beir_by_hand(beir_dir: Path) -> None:
    m = evaluate_beir(beir_dir, embedder=FakeEmbedder(), modes=["lexical"])["lexical"]
    # q1 -> d1 first (ndcg 1). q2 -> d3 (grade 1), d2 (grade 2), d1: dcg 1 + 2/log2(3); ideal 2 + 1/log2(3).
    q2 = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert m.ndcg_at_10 == pytest.approx((1 + q2) / 2)
    assert (m.recall_at_1, m.mrr_at_10, m.questions) == (1.0, 1.0, 2)
    assert m.highlight_at_1 is None and m.abstain_recall is None
    assert list(m.as_dict()) == BEIR_KEYS


# ----- command line -----------------------------------------------------------------------------------------


def test_cli_prints_json_per_mode(v1_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setattr(qa.evaluate, "load_embedder", lambda model=None: FakeEmbedder())
    assert main(["eval", "squad", str(v1_path), "--json", "--modes", "dense,hybrid"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["dense", "hybrid"]
    assert all(list(row) == SQUAD_KEYS for row in out.values())
    assert out["dense"]["recall@1"] == 0.8 and out["dense"]["questions"] == 5


def test_cli_table_and_errors(v1_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setattr(qa.evaluate, "load_embedder", lambda model=None: FakeEmbedder())
    assert main(["eval", "squad", str(v1_path), "--articles", "even", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert "1 articles" in out and "recall@1" in out and out.count("\n") == 5
    assert main(["eval", "squad", str(v1_path.parent / "nope.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["eval", "squad", str(v1_path), "--limit", "0"]) == 2
    with pytest.raises(SystemExit):
        main(["eval", "squad", str(v1_path), "--modes", "sparse"])


def test_metrics_as_dict_rounds() -> None:
    m = Metrics(1 / 3, 0.5, 0.25, None, None, None, 123.456, 7)
    assert m.as_dict()["recall@1"] == 0.3333 and m.as_dict()["questions_per_second"] == 123.5


def test_cli_beir_json(beir_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setattr(qa.evaluate, "load_embedder", lambda model=None: FakeEmbedder())
    assert main(["eval", "beir", str(beir_dir), "--json", "--modes", "lexical"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["lexical"] and list(out["lexical"]) == BEIR_KEYS

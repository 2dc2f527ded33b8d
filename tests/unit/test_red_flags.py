"""The red-flag rules (clinic/red_flags.yml) on the project's spaCy pipeline."""

from pathlib import Path

import pytest

from clinicbot.red_flags import (
    EXCEPTION,
    BELOW_THRESHOLD,
    HISTORY,
    NEGATED,
    NOT_TREATED,
    OTHER_PERSON,
    QUESTION,
    RESOLVED,
    detector_for,
    load_rules,
)


@pytest.fixture(scope="module")
def detect(nlp):
    detector = detector_for(nlp)
    return lambda text: detector.detect(nlp(text))


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("I have a fever", "fever"),
        ("feeling feverish and shivery tonight", "fever"),
        ("got a high temperature since this morning", "fever"),
        ("there is pus coming out of my cheek", "infection_pus_or_smell"),
        ("yellow stuff oozing from the scabs", "infection_pus_or_smell"),
        ("my face smells really bad", "infection_pus_or_smell"),
        ("the redness is spreading to my neck", "spreading_redness"),
        ("the redness is going down my neck", "spreading_redness"),
        ("red streaks going down from the treated area towards my neck", "spreading_redness"),
        ("cheek is sore with a line of red going down", "spreading_redness"),
        ("my cheek is red and hot", "hot_redness"),
        ("the pain is getting worse and worse", "severe_pain"),
        ("I'm in agony", "severe_pain"),
        ("paracetamol does nothing for it", "severe_pain"),
        ("I can't sleep for the pain in my cheek", "severe_pain"),
        ("there are blisters on my chin", "blisters_or_cold_sores"),
        ("I think I've got a cold sore on my lip", "blisters_or_cold_sores"),
        ("it won't stop bleeding", "bleeding"),
        ("the dressing is soaked through", "bleeding"),
        ("my eyes are swollen shut", "eye_swelling"),
        ("swelling around my eyelids", "eye_swelling"),
        ("I can't breathe properly", "allergic_reaction_or_breathing"),
        ("my tongue feels thick", "allergic_reaction_or_breathing"),
        ("hives all over and my chest is tight", "allergic_reaction_or_breathing"),
        ("I've come out in hives since the laser", "allergic_hives"),
        ("a patch on my cheek has gone grey", "skin_turning_white_grey_or_black"),
        ("the skin by my nose looks black", "skin_turning_white_grey_or_black"),
        ("the wound on my forehead is getting bigger", "wound_getting_bigger"),
        ("not sure if it's pus or just cream", "infection_pus_or_smell"),  # doubt is not absence
        ("I don't have a fever but there's yellow discharge", "infection_pus_or_smell"),
    ],
)
def test_urgent_symptoms_are_found(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("i have a fevr", "fever"),
        ("my cheek looks infekted", "infection_pus_or_smell"),
        ("bllisters on my lip", "blisters_or_cold_sores"),
        # Two letters swapped is one slip of the thumb, not two.
        ("got a feevr tonight", "fever"),
        ("my cheek is bleedign again", "bleeding"),
        ("MY EYES ARE SWOLEN", "eye_swelling"),
        ("CAN'T BREATHE", "allergic_reaction_or_breathing"),
    ],
)
def test_misspellings_and_capitals_are_read(detect, text, symptom):
    assert symptom in detect(text).symptoms


def test_never_is_not_corrected_to_fever(detect):
    assert "fever" not in {m.symptom for m in detect("I never felt better, healing well").mentions}


@pytest.mark.parametrize(
    "text",
    [
        "I've got 38,9 this evening, lasered 3 days ago",
        "temp 38.2",
        "thermometer says 100.8F",
        "running a temperature of 39 degrees",
        "what SPF should I buy? also my temperature is 38.7",
        "38.5 now",
    ],
)
def test_temperatures_at_the_threshold_are_a_fever(detect, text):
    assert "fever" in detect(text).symptoms


@pytest.mark.parametrize(
    "text, status",
    [
        ("had a temperature of 37.3 yesterday, fine today", BELOW_THRESHOLD),
        ("my temp is 37.9", BELOW_THRESHOLD),
        ("99.5F this morning", BELOW_THRESHOLD),
        ("was 38.4 last night, 37.1 now", RESOLVED),
        ("my temp was 38.6 on saturday but it's 36.8 today", RESOLVED),
        ("38,3 in the night, but it's back down to 37,0 now", RESOLVED),
    ],
)
def test_temperatures_under_the_threshold_or_settled_are_not(detect, text, status):
    finding = detect(text)
    assert not finding.is_red_flag
    assert status in {m.status for m in finding.mentions}


@pytest.mark.parametrize(
    "text",
    [
        "I'm 39, is it ok at my age",
        "day 38 and all healed",
        "it's 38 degrees on my holiday, can I sunbathe",
        "is it 390 pounds",
        "SPF 50 or 30?",
        "treated on 18.11.",
    ],
)
def test_other_numbers_are_not_temperatures(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "no fever, pus or bleeding, just a bit red",
        "I don't have chills or swelling or blisters",
        "neither hot nor spreading",
        "nothing oozing and no smell",
        "no fever, just redness",
    ],
)
def test_negation_covers_every_item_of_a_list(detect, text):
    finding = detect(text)
    assert not finding.is_red_flag
    assert finding.mentions and {m.status for m in finding.mentions} == {NEGATED}


@pytest.mark.parametrize(
    "text",
    [
        "when will my redness go down?",
        "how long until the redness goes down",
        "the redness is going down nicely",
    ],
)
def test_redness_going_down_is_easing_not_spreading(detect, text):
    assert "spreading_redness" not in detect(text).symptoms


def test_negation_stops_where_a_new_statement_starts(detect):
    assert "eye_swelling" in detect("no fever, my eyes are swollen").symptoms


@pytest.mark.parametrize(
    "text",
    [
        "do people get herpes flare-ups from it",
        "could I get blisters from it",
        "what if I get a fever afterwards?",
        "is there a risk of infection?",
        "will I bleed a lot",
    ],
)
def test_questions_about_risk_are_not_reports(detect, text):
    finding = detect(text)
    assert not finding.is_red_flag
    assert QUESTION in {m.status for m in finding.mentions}


@pytest.mark.parametrize(
    "text",
    [
        "I get hives quite easily, am I suitable for it?",
        "my sister wants it done but she gets cold sores, would she get one from it",
    ],
)
def test_someone_deciding_whether_to_have_it_is_not_reporting(detect, text):
    finding = detect(text)
    assert not finding.is_red_flag
    assert NOT_TREATED in {m.status for m in finding.mentions}


@pytest.mark.parametrize(
    "text",
    [
        "I had the laser 3 days ago and now I have hives, can I still have the second session?",
        "lasered on Monday, my lip is covered in cold sores, can I still have it redone later",
    ],
)
def test_a_treated_patient_asking_about_more_treatment_is_still_reporting(detect, text):
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "38.2 yesterday and 37.1 this morning but now it's 38.5 again",
        "it was 37.2 this morning, now it's 38.9",
        "its 38.1 now it was 37.5 earlier",  # the reading said to be now, wherever it stands
    ],
)
def test_a_later_fever_reading_is_still_a_fever(detect, text):
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "my smartwatch says my skin temp went up a bit, I feel normal",
        "what water temperature should I wash my face with, 37 degrees?",
        "the soreness is much better than yesterday, day 3",
    ],
)
def test_settled_or_other_temperatures_are_not_reports(detect, text):
    assert not detect(text).is_red_flag


def test_history_is_not_a_report(detect):
    finding = detect("I get cold sores every winter, can I still have it")
    assert not finding.is_red_flag and HISTORY in {m.status for m in finding.mentions}


@pytest.mark.parametrize(
    "text",
    [
        "had a fever yesterday but it's gone now",
        "it was bleeding a lot but it stopped",
    ],
)
def test_symptoms_that_are_over_are_not_reports(detect, text):
    finding = detect(text)
    assert not finding.is_red_flag and RESOLVED in {m.status for m in finding.mentions}


def test_a_symptom_that_came_back_is_a_report(detect):
    assert detect("the bleeding stopped but then it started again and keeps bleeding").is_red_flag


def test_a_buried_symptom_is_found_in_its_own_clause(detect):
    finding = detect("thanks for the makeup info. by the way my lip has blisters now")
    assert finding.symptoms == ("blisters_or_cold_sores",)
    assert len(finding.clauses) >= 2


@pytest.mark.parametrize(
    "text",
    [
        "mild redness on day 3",
        "my skin is itchy",
        "tiny black dots on my cheeks",
        "does the treatment hurt?",
        "how long does the redness last",
        "my skin is red but not hot and not spreading",
        "",
    ],
)
def test_ordinary_messages_are_not_red_flags(detect, text):
    assert not detect(text).is_red_flag


def test_unquoted_yaml_booleans_are_refused(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text("symptoms:\n  x:\n    - [[fever]]\nnegation:\n  cues: [no, not]\n")
    with pytest.raises(ValueError, match="quotes"):
        load_rules(path)


def test_rules_file_shape_is_checked(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text("symptoms:\n  fever: fever\n")
    with pytest.raises(ValueError, match="list of rules"):
        load_rules(Path(path))


def test_exceptions_must_name_a_symptom(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text("symptoms:\n  fever:\n    - [[fever]]\nexceptions:\n  fevre: [hay fever]\n")
    with pytest.raises(ValueError, match="unknown symptoms"):
        load_rules(path)


def test_every_clinic_symptom_has_a_rule_that_fires(detect):
    """A new symptom in the rules file is only useful if it can fire: each
    symptom's first term group, joined, must be reported as that symptom."""
    rules = load_rules()
    for symptom, symptom_rules in rules.symptoms.items():
        fired = False
        for rule in symptom_rules:
            text = "i have " + " ".join(group[0] for group in rule)
            fired = fired or symptom in detect(text).symptoms
        assert fired, symptom


@pytest.mark.parametrize(
    "text",
    [
        "my face is sore, is something wrong?",  # "worse" is not "wrong"
        "i think something is wrong, my cheek is painful",
        "the wind is spreading the pollen",  # "wound" is not "wind"
        "my temperature is normal and there's no pus or swelling",  # "there's" is not "has"
    ],
)
def test_lemmas_do_not_turn_one_word_into_another(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("the red patch is getting bigger", "spreading_redness"),
        ("my cheeks were hot and red", "hot_redness"),
        ("the wounds are spreading", "wound_getting_bigger"),
        ("the blistering is worse", "blisters_or_cold_sores"),
    ],
)
def test_lemmas_still_match_a_words_own_forms(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize(
    "text, symptom",
    [
        # a negated verb is no list: the negation ends at the comma
        ("the antiviral didn't stop it, cold sores everywhere", "blisters_or_cold_sores"),
        # "not just" adds
        ("my whole body feels hot not just the face, and shivery", "fever"),
        # a new predicate after "and"
        ("raw wet patches that won't dry up and are spreading", "wound_getting_bigger"),
        # "it's" opens a new statement even without a joiner
        ("one bit isn't red like everywhere else it's kind of grey", "skin_turning_white_grey_or_black"),
        # "can't" before a symptom verb is the symptom
        ("i cant breath well", "allergic_reaction_or_breathing"),
    ],
)
def test_negation_ends_where_its_list_ends(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "I can't see any pus, and it doesn't smell",
        "skin isn't turning white or grey, just pink",
        "no dark or black patches, just the normal bronzing",
        "I wouldn't say it's infected, there's no pus and no smell",
        "i haven't got a temperature, pus or bleeding",
    ],
)
def test_negation_still_covers_lists_of_symptoms(detect, text):
    assert not detect(text).is_red_flag


def test_an_unrelated_negated_word_clears_no_symptom(detect):
    # "isn't going down" is half of no rule; it must not mark the clause as
    # cleared, or the classifier could not judge it.
    finding = detect("the swelling isn't going down, it's getting bigger every day")
    assert not finding.cleared_clauses


@pytest.mark.parametrize(
    "text",
    [
        "on holiday in spain and my temperature is 38.9",  # the patient's reading, beside the trip
        "my temp is 38.5 and the weather is awful",
        "temperature went up to 39 last night",
        "I have hay fever and my temp is 38.5",  # the exception is the term, not the clause
    ],
)
def test_a_reading_near_the_patients_words_is_theirs(detect, text):
    assert "fever" in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "my code is 38.5",
        "I'm 5ft 10 and 38 kilos, sorry 83",
        "i turned 38 last week and my face is a bit pink",
        "can i go to a 38 degree hot yoga class on day 20",
        "i'm 39, is it ok to have the laser if i get a fever",
        "it was 39 degrees in Spain last week",
    ],
)
def test_numbers_that_count_something_else_are_not_temperatures(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "had a temp of 38.4 before my appointment, it was a cold",
        "I had covid with a 38 temperature the week before my appointment, all good since",
    ],
)
def test_a_reading_from_before_the_treatment_is_history(detect, text):
    finding = detect(text)
    assert not finding.is_red_flag
    assert HISTORY in {m.status for m in finding.mentions if m.words[:1].isdigit()}


def test_an_exception_cancels_only_the_term_it_contains(detect):
    finding = detect("I'm on blood thinners and it won't stop bleeding")
    assert "bleeding" in finding.symptoms
    assert EXCEPTION in {m.status for m in finding.mentions}


@pytest.mark.parametrize(
    "text, urgent",
    [
        ("if possible, the pain is unbearable", True),  # the condition ends at the comma
        ("if my eyes swell, who do I call?", False),
        ("Do I need to go to A&E if I have a fever?", False),  # "if" after a question
        ("I'm worried because if I press it pus comes out", True),
    ],
)
def test_a_condition_covers_its_own_words(detect, text, urgent):
    assert detect(text).is_red_flag is urgent


@pytest.mark.parametrize(
    "text",
    [
        "my dog has a fever, is that contagious",
        "sorry wrong chat, meant for the vet, my dog's ear is infected and smells",
        "my friend had the laser elsewhere and got an infection, are you safer?",
        "my neighbour's face looked purple for ages after his laser, is that common",
        "my friend said her eyes swelled shut after her laser, will mine?",
    ],
)
def test_someone_elses_symptom_is_not_the_patients(detect, text):
    finding = detect(text)
    assert not finding.is_red_flag
    assert OTHER_PERSON in {m.status for m in finding.mentions}


@pytest.mark.parametrize(
    "text",
    [
        "my wife's lips and tongue are swelling",
        "wife's got cold sores coming up after her laser",
        "my husband has had a fever since yesterday",
        "my mum had the laser on the 12th, her temperature is 38.8 now",
        "my dog scratched my face and now it won't stop bleeding",
        "she said it was infected",
    ],
)
def test_someone_writing_for_the_patient_is_reporting(detect, text):
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "my husband has the flu and a temperature, should I postpone my appointment?",
        "I'm booked for next month but I've got a cold sore right now, should I reschedule?",
        "I've got hay fever and my eyes are puffy, not had any treatment yet",
    ],
)
def test_someone_not_yet_treated_is_not_reporting_a_complication(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "the swelling under my eyes is completely gone",
        "the grey colour was just numbing residue, it washed off",
        "puffy under the eyes on day 2, going down",
    ],
)
def test_more_ways_of_saying_it_is_over(detect, text):
    finding = detect(text)
    assert not finding.is_red_flag and RESOLVED in {m.status for m in finding.mentions}


@pytest.mark.parametrize(
    "text",
    [
        "the ooze has gone from clear to yellowy green",  # a change, not an end
        "it's gone yellow and crusty and smells",
        "the redness is going down my neck",  # a direction, not an end
    ],
)
def test_a_change_is_not_an_end(detect, text):
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("nothing stops the pain", "severe_pain"),
        ("swelling increasing after day 3", "swelling_getting_worse"),
        ("the swelling isn't going down, it's getting bigger every day", "swelling_getting_worse"),
        ("vision is blurry", "vision_change"),
        ("double vision since the laser", "vision_change"),
        ("whistling noise when i breathe", "allergic_reaction_or_breathing"),
        ("weepy raw skin on day 10, should be healed by now", "wound_getting_bigger"),
        ("I can't really see out of my right eye", "eye_swelling"),
    ],
)
def test_more_urgent_signs_are_named(detect, text, symptom):
    assert symptom in detect(text).symptoms


def test_a_question_answered_by_a_report_is_a_report(detect):
    assert "fever" in detect("is a fever after laser normal? i have one now").symptoms
    assert not detect("is a fever after laser normal?").is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "it was very painful on the night but today it's just a bit sore",
        "the bleeding was heavy at first. now it's fine",
    ],
)
def test_a_past_symptom_then_a_calm_now_is_over(detect, text):
    finding = detect(text)
    assert not finding.is_red_flag and RESOLVED in {m.status for m in finding.mentions}


def test_a_past_symptom_still_going_on_is_not_over(detect):
    text = "the pain was unbearable last night. today it's a bit better but still throbbing and worse"
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "I had a fever last week with the flu, I haven't had the treatment yet, is it ok to go ahead?",
        "I have the flu and am burning up, will that delay my session tomorrow?",
    ],
)
def test_a_treated_cue_inside_a_not_treated_one_says_nothing(detect, text):
    finding = detect(text)
    assert not finding.is_red_flag and NOT_TREATED in {m.status for m in finding.mentions}


def test_the_clause_that_settles_a_symptom_is_a_qualifier(detect):
    finding = detect("the redness spread a bit on day 2 but it's shrinking now")
    assert not finding.is_red_flag
    assert finding.qualifiers == (1,)
    assert detect("the redness spread a bit but my eyes are swollen shut now").qualifiers == ()


@pytest.mark.parametrize(
    "text",
    [
        "Will I have a high temperature after the laser?",  # the cue shares "have" with the symptom
        "how high does a fever have to be before I call?",  # "have to" is the question's verb
        "Are you supposed to have pus?",
        "Would a temperature of 38 be worrying?",  # a limit asked about, not a reading
        "I was told to call if my temperature goes over 38, is that right?",
        "the leaflet says call if the redness spreads, is that still true at day 10?",
        "I read online that some people get black patches, is that true?",
        "it was 39.99 for the cream",  # a price, not a thermometer reading
    ],
)
def test_more_questions_and_limits_are_not_reports(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "I have a temperature of 38.5, is that bad?",
        "my temp is over 38, what do I do?",
        "if my temp is 38.5 should I come in",
        "thermometer says 38.25",
        "is it painful? yes my face is in agony",
    ],
)
def test_readings_and_reports_inside_questions_still_count(detect, text):
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text, fever",
    [
        ("temp is thirty eight point five", True),
        ("my temperature is thirty-nine", True),
        ("a hundred and one degrees", True),
        ("temp ninety nine point five F", False),
        ("I'm thirty eight and have melasma", False),
    ],
)
def test_temperatures_in_words_are_read(detect, text, fever):
    assert ("fever" in detect(text).symptoms) is fever


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("the pain is unreal, nothing takes it away", "severe_pain"),  # "nothing" here is no answer
        ("i'm pacing around the house, the pain won't let up", "severe_pain"),
        ("it's throbbing like mad and waking me every hour", "severe_pain"),
        ("the red bit is getting larger and is warm", "spreading_redness"),
        ("the redness is now on my chest as well", "spreading_redness"),
        ("i'm shaking uncontrollably and feel hot", "fever"),
    ],
)
def test_more_ways_of_telling_known_symptoms(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize("text", ["fever? none at all", "pus - nil", "bleeding: no. just peeling"])
def test_an_answer_after_the_symptom_negates_it(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("no idea why my face is oozing pus", "infection_pus_or_smell"),  # "no idea" is no absence
        ("no matter what I do it keeps bleeding", "bleeding"),
        ("none of the painkillers are working", "severe_pain"),  # the negation is the symptom
        ("no amount of painkillers helps", "severe_pain"),
        ("nothing I do stops the bleeding", "bleeding"),
        ("I can't get the bleeding to stop", "bleeding"),
    ],
)
def test_a_negation_that_is_the_symptom_is_not_its_absence(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "I'm worried about my eyes, they're swollen shut",  # the question cue ends at a new statement
        "worried about the pus coming out of my cheek",  # anxious about something there
        "concerned about the redness, it's spreading to my neck and hot",
        "how do I stop the bleeding, it's been going for an hour",
        "should I be worried that there's pus?",
        "does this look infected to you, yellow crust that's wet",
    ],
)
def test_a_worry_or_question_about_a_symptom_that_is_there_is_a_report(detect, text):
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "I'm really worried about the pain and about getting an infection, how often does that happen",
        "worried about getting an infection",
        "what should I do if there's pus?",
        "how will I know it's infected?",
    ],
)
def test_a_worry_or_question_about_a_risk_is_not(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "the pain sometimes gets so bad I cry",  # how often, after the symptom: not a habit
        "occasionally there's a gush of blood from my cheek",  # a new statement ends the habit
        "temperature was normal this morning, now 38.4",  # normal before, fever now
    ],
)
def test_a_symptom_now_is_not_history(detect, text):
    assert detect(text).is_red_flag


def test_a_habit_before_the_symptom_is_history(detect):
    finding = detect("I sometimes get cold sores, can I still have it")
    assert not finding.is_red_flag


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("BLEEDING EVERYWHERE", "bleeding"),
        ("theres puss coming out", "infection_pus_or_smell"),
        ("my eyes are sweling shut", "eye_swelling"),
        ("temprature 38.5", "fever"),
        ("my lips are swolen and i cant breath", "allergic_reaction_or_breathing"),
        ("paracetemol isnt helping the pain", "severe_pain"),
    ],
)
def test_short_and_misspelt_reports_are_read(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "the blood keeps coming back even after it stopped for a few hours",
        "my son had his laser done friday and he's now at 38.2 and shivery, he says it's fine",
        "we've got a holiday booked for august. oh and the weepy area is getting bigger and has spread",
        "checking for my wife, she had the laser 3 days ago and her temp just read 38.6",
        "38 and a bit on the thermometer and i feel rubbish",
        "the wound is more big every day",  # a comparative's base form is its own form
        "painkillers dont work the pain is horible",
        "one part of the treated skin went white and hard",  # "went" is a form of "gone"
        "pain much worse today, day 4, was fine on day 2",  # worse now: not over
    ],
)
def test_reports_the_rules_must_keep(detect, text):
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "i'm red and a bit warm, like sunburn",
        "my face is red and feels tight",
        "been fever free the whole time, day 9, pink",
        "infection free as far as i can tell, day 6",
        "lips were a bit puffy on the day of treatment from the numbing i think, normal now",
    ],
)
def test_ordinary_recovery_the_rules_must_leave_alone(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "pain level keeps going up",
        "the painkillers last an hour then it's awful again",
        "it's like my face is on fire and it's getting worse",
    ],
)
def test_pain_told_by_its_course(detect, text):
    assert "severe_pain" in detect(text).symptoms


def test_an_exception_word_describes_the_words_beside_it_not_the_clause(detect):
    assert not detect("tiny black dots on my cheeks").is_red_flag
    text = "the dead skin layer came off and underneath one patch has gone black"
    assert "skin_turning_white_grey_or_black" in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "I have hives today from something I ate, my laser is next week, is that ok?",
        "I've got a temperature of 38.2 from a cold, my appointment is in 2 days, should I cancel?",
        "I have a spot that's infected on my chin right now, will you still treat me on Monday?",
        "I have a sunburn that's blistering, my appointment is in 10 days",
        "my cheek came up in welts from a new face cream. I'm booked Thursday, is that ok?",
        "Not booked yet. I have a cold sore, would that stop me having it?",
    ],
)
def test_a_treatment_still_ahead_says_not_yet_treated(detect, text):
    finding = detect(text)
    assert not finding.is_red_flag and finding.not_treated


@pytest.mark.parametrize(
    "text",
    [
        "can't breathe properly, my appointment is tomorrow",
        "my tongue is swelling up, I'm booked for my laser next week",
        "Not booked yet but my throat feels like it's closing",
        "my lips swelled up from a new lipstick. I'm booked Thursday, is that ok?",
    ],
)
def test_an_airway_sign_is_urgent_even_before_treatment(detect, text):
    assert "allergic_reaction_or_breathing" in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "had it 3 days ago, my follow-up is next week, there's pus",
        "there's pus coming out of my cheek, can I come in tomorrow?",
        "my eyes are swollen shut, can someone see me tomorrow to check the laser area?",
    ],
)
def test_a_date_ahead_with_treated_evidence_or_no_treatment_word_still_reports(detect, text):
    finding = detect(text)
    assert finding.is_red_flag and not finding.not_treated


def test_a_day_not_yet_come_is_no_treatment_ahead_unless_said_so(detect):
    assert detect("temp reading 101 F, laser on the 3rd").is_red_flag


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("my neck which wasn't treated is now red and hot as well", "hot_redness"),
        ("the bit that was not lasered has gone grey", "skin_turning_white_grey_or_black"),
    ],
)
def test_a_negated_verb_does_not_reach_past_the_next_verb(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "isn't red or hot, is fine",
        "nothing on my face is red and hot",
        "I haven't noticed any pus",
    ],
)
def test_a_negation_still_covers_what_it_names(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("the redness is expanding rather than settling", "spreading_redness"),
        ("the swelling is getting bigger instead of going down", "swelling_getting_worse"),
    ],
)
def test_a_resolved_word_after_rather_than_is_no_end(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("is it normal to get blisters? I have some now on my jaw", "blisters_or_cold_sores"),
        ("whats this yellow stuff oozing from my chin after co2", "infection_pus_or_smell"),
        ("what are these blisters on my lip?", "blisters_or_cold_sores"),
        (
            "is it normal that my throat feels swollen after the numbing cream?",
            "allergic_reaction_or_breathing",
        ),
        # the subject is the jaw, not the question's "it"
        ("is it normal that my jaw looks blackish and leathery?", "skin_turning_white_grey_or_black"),
    ],
)
def test_asking_about_what_is_there_is_a_report(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "is it normal to get blisters?",
        "what's this about pus, should I worry?",
        "is it normal that people get blisters after co2?",
    ],
)
def test_asking_about_a_risk_is_still_a_question(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "I have pain that no tablet can stop, after the laser",
        "codeine isn't even taking the edge off",
        "paracetamol doesn't even touch the pain",
    ],
)
def test_pain_told_by_painkillers_failing(detect, text):
    assert "severe_pain" in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "I don't think it's infected - no pus, no smell, no yellow crusts",
        "dont think its infected, just red",
        "is 38 degrees a fever?",
        "is 37.9 classed as a temperature?",
        "if i get a temperature of 38.5 after, is that an emergency?",
        "what are the side effects? pain, blisters, infection?",
        "what are the risks? bleeding, scarring, cold sores?",
        "I get cold sores a lot - is that a problem for co2 laser?",
        "what I thought was pus was just the ointment, the nurse checked it yesterday",
        "I thought it was pus but it was only the cream",
        "I saw a TikTok of a girl whose face oozed yellow stuff after CO2, is that common?",
        "the bit that was oozing on day 1 has crusted over dry as expected",
    ],
)
def test_more_messages_that_name_a_symptom_without_reporting_it(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "I don't think it's normal, there's pus",
        "is 38.5 too high?",
        "my temp is 38.5, is that a fever?",
        "if i get a temperature of 38.5 again tonight what do i do, it was 38.6 an hour ago",
        "if my temp is 38.5 should I come in",
        "what are the side effects? I have pain and blisters",
        "what should I do? pus, fever and swelling",
        "I thought it was a spot but it's oozing pus",
        "I saw a TikTok about aftercare and now my face is oozing yellow stuff",
        "it crusted over but now it's oozing again",
    ],
)
def test_reports_beside_those_still_count(detect, text):
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "I had a fever last week from a cold but I'm over it, is my laser still ok?",
        "the swelling round my eyes was bad on day 2 but it's nearly gone",
        "a bit of clear serum oozing on day 1, is that ok?",
        "my husband's eye is swollen from hay fever, can he still come with me to my appointment?",
    ],
)
def test_more_ways_of_saying_it_is_over_or_not_the_patients_complication(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "clear fluid oozing and it smells bad",
        "serum oozing and it smells bad",
        "oozing clear fluid that has turned yellow",
    ],
)
def test_clear_ooze_beside_signs_of_infection_still_counts(detect, text):
    assert "infection_pus_or_smell" in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "the redness is spreading down my neck and the laser area is hot, I'm booked in tomorrow to see the nurse",
        "my face is oozing pus, I'm booked in tomorrow for a check",
        "the treated area has gone grey, my appointment is next week",
    ],
)
def test_a_visit_ahead_or_a_treated_area_is_no_treatment_ahead(detect, text):
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "what are the signs of infection? pus, smell, heat. that's what I have",
        "saw a tiktok about aftercare, face is oozing yellow pus",
        "what I thought was a scab is oozing yellow stuff, it's just getting worse",
    ],
)
def test_reports_beside_a_risk_list_a_video_or_a_mistake_still_count(detect, text):
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("black dots merging into a patch", "skin_turning_white_grey_or_black"),
        ("the grey specks have joined up into a grey patch", "skin_turning_white_grey_or_black"),
        ("sheets look like a crime scene", "bleeding"),
    ],
)
def test_dots_that_merge_and_sheets_like_a_crime_scene_are_reports(detect, text, symptom):
    assert symptom in detect(text).symptoms


def test_tiny_dots_alone_are_still_the_exception(detect):
    assert not detect("tiny black dots all over my cheeks in a grid").is_red_flag


def test_a_pale_ring_or_dark_centre_is_a_colour_change(detect):
    assert "skin_turning_white_grey_or_black" in detect("a white ring around a dark centre").symptoms


@pytest.mark.parametrize(
    "text",
    [
        "and what about cold sores? I get them a few times a year",
        "ok so could I get blisters from it?",
        "I'm a regular cold sore sufferer - does that mean I can't have the laser?",
        "I had a keloid from an old chickenpox spot, would you still treat my face?",
    ],
)
def test_a_question_after_a_lead_in_or_about_being_treated_is_not_a_report(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "there are little water blisters all over my chin, should I wait until I'm healed to post photos?",
        "yellow pus on my cheek, do I keep the cream on until it's cleared?",
        "and my lips are swelling",
    ],
)
def test_a_cure_still_to_come_does_not_settle_a_symptom(detect, text):
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "haven't had anything done yet, just a rash on my chest at the moment, is that a problem?",
        "before my first session: I've got a cold sore, should I delay?",
        "i get cold sores quite often, can i still get the laser",
        "there's an impetigo outbreak at my son's nursery with honey crusts, can I still have my treatment?",
    ],
)
def test_someone_not_yet_treated_asking_about_their_appointment_is_not_a_report(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "Could I lose my sight if the laser is too near my eyes?",
        "will the scabs get infected if I touch them by accident?",
        "would it bleed a lot if I shave the area?",
    ],
)
def test_a_modal_question_about_what_could_happen_if_is_not_a_report(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "will the scabs get infected if I touch them, they're oozing yellow",
        "it's infected if I touch it, isn't it",
        "could it be infected? it's been oozing pus since I touched it",
        "is it infected if it's been oozing since yesterday?",
        "could it be infected if it still smells bad today?",
    ],
)
def test_a_condition_after_a_report_leaves_the_report(detect, text):
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "my forehead is red and hot from sunbathing yesterday, my laser is in 2 weeks",
        "I scraped my chin and it bled a lot today, my laser isn't until next month",
        "I'm due to have it done next week but I've had a fever since this morning",
    ],
)
def test_a_time_word_or_a_treatment_not_until_later_leaves_the_patient_untreated(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "had it yesterday and my next laser is in 6 weeks, now my face is blistering",
        "lasered yesterday, the pus is bad, my treatment is in 3 weeks",
        "my review appointment is next week but it's bleeding heavily since yesterday",
        "I got it done yesterday and my appointment in 4 weeks is still on? now there's yellow pus",
        "did the laser yesterday, my appointment is in 6 weeks, the redness is spreading to my neck",
        "laser was yesterday, my appointment is in 2 weeks, and it's bleeding a lot",
    ],
)
def test_a_repeat_or_a_treatment_had_still_counts_beside_one_ahead(detect, text):
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "the pain kept me awake on the first night but I slept well last night",
        "the redness spread a bit on the first day, but it calmed down the next morning",
        "a little blister came up on day 1 and it has flattened since, nothing new",
    ],
)
def test_a_symptom_dated_early_then_settled_is_over(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "the pain kept me awake on the first night and last night it was unbearable again",
        "the redness spread on the first day and is still spreading down my neck",
        "the redness settled the first day but now the redness is spreading to my neck",
        "it bled a lot, dried blood all over the pillow",
    ],
)
def test_an_early_symptom_still_going_counts(detect, text):
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "my sister had co2 back in 2018 and it blistered, I'm a bit nervous about my appointment",
        "I had an infection after a peel in 2019, does that matter?",
    ],
)
def test_a_symptom_dated_to_a_past_year_is_history(detect, text):
    assert not detect(text).is_red_flag


def test_a_past_year_beside_a_symptom_now_still_counts(detect):
    assert detect("I had the laser in 2019 and again last week, now there's pus today").is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "my heels are sore so I use blister plasters, will that affect my face healing",
        "I'm on the waiting list and my finger is infected from a splinter, is that a problem?",
    ],
)
def test_a_product_name_or_someone_on_the_waiting_list_is_no_report(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("a spot on my cheek has gone black, not like the little dots", "skin_turning_white_grey_or_black"),
        (
            "my nose looks black and hard now, not the tiny dots, a big patch",
            "skin_turning_white_grey_or_black",
        ),
        ("I really can't cope with the pain anymore", "severe_pain"),
        ("honestly cant stand the pain any more", "severe_pain"),
    ],
)
def test_an_exception_set_aside_or_a_negated_symptom_going_on_still_counts(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "just tiny black dots all over, not a patch",
        "it doesn't hurt anymore",
        "the pain isn't bad any more",
    ],
)
def test_dots_or_a_pain_that_is_no_more_stay_cleared(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "I'm on the first night at home and the pain is unbearable. Last night in the clinic I slept well",
        "it's the first night and the pain is unbearable. slept fine last night at the hotel",
    ],
)
def test_an_early_day_that_is_today_is_no_past(detect, text):
    assert "severe_pain" in detect(text).symptoms


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("i cant move without the pain shooting up", "severe_pain"),
        ("I dont get through an hour without the pain getting unbearable", "severe_pain"),
        ("it hasn't been a day without new blisters", "blisters_or_cold_sores"),
        ("the throbbing wont let me sleep", "severe_pain"),
    ],
)
def test_without_after_a_negated_verb_is_the_symptom_every_time(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "no pain, healing without any pus",
        "i'm not feverish and without any pus",
        "day 3 without fever or pus",
    ],
)
def test_without_in_a_list_of_absent_symptoms_still_negates(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "I get cold sores now and then but none at the moment",
        "I had a cold sore last month, none now",
        "i get cold sores sometimes but don't have one now",
    ],
)
def test_a_symptom_said_to_be_absent_now_is_over(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "I have a blister on the back of my heel from running. Can I run again on day 8?",
        "I've got a blister on my palm from the gym",
        "I burnt my finger on the oven and it blistered",
    ],
)
def test_a_blister_on_skin_the_laser_never_treats_is_no_alarm(detect, text):
    assert not detect(text).is_red_flag


def test_a_blister_on_the_face_beside_other_skin_still_counts(detect):
    assert "blisters_or_cold_sores" in detect("blisters all over my cheeks and my toes are fine").symptoms


@pytest.mark.parametrize(
    "text",
    [
        "My baby has a fever of 38.2 so I need to cancel tomorrow's appointment, sorry.",
        "I had a sore throat and a temperature before Christmas. My treatment isn't until January, fine to go ahead?",
        "My friend said people can get chills after laser. Is that true?",
        "It's been a blistering week at work, finally getting round to booking my consult.",
        "My poor purse went white as a sheet when it saw the bill, lol",
    ],
)
def test_a_young_child_a_treatment_ahead_a_risk_or_a_figure_of_speech_is_no_alarm(detect, text):
    assert not detect(text).is_red_flag


def test_a_young_childs_thermometer_does_not_make_the_reading_theirs(detect):
    assert "fever" in detect("used my kids thermometer, says 100.4, and yes it's me not the kid").symptoms


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("the white area on my chin stays white when I press on it", "skin_turning_white_grey_or_black"),
        ("the eyeball itself aches, not the lid", "vision_change"),
        ("pain was a 5 out of 10 this morning, now a 7 and climbing", "severe_pain"),
        ("it is redder every day, day 5 now", "spreading_redness"),
        ("the red has crept past the pen line I drew this morning", "spreading_redness"),
        ("my sheet scab came off and left a raw patch that keeps getting bigger", "wound_getting_bigger"),
        ("it hurts more each day, I thought it would be getting better by now", "severe_pain"),
        ("ibuprofen doesn't do anything for the throbbing", "severe_pain"),
        ("there are little pockets of fluid under my skin on the cheek", "blisters_or_cold_sores"),
        ("the redness is now 2 cm past the treated edge", "spreading_redness"),
        ("a patch by my nose has gone dark and leathery", "skin_turning_white_grey_or_black"),
        ("the purple bit on my chin has gone numb", "skin_turning_white_grey_or_black"),
        # Asks about what is there ("should I be worried that my ...").
        ("should I be worried that my lips feel thick and swollen", "allergic_reaction_or_breathing"),
    ],
)
def test_signs_told_in_everyday_words_are_found(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        # A comparative is not its base word ("redder" is not "red").
        "day 1, swollen and red, like a sunburn",
        "it's less red than yesterday and not as hot",
        # The expected first days: heat like a sunburn, clear fluid.
        "the evening after the laser my face is hot and red like a sunburn",
        "a little clear fluid oozing from my cheeks on day 1",
        # Expected colours of healing skin, and make-up.
        "the crusts look grey-brown and are coming off",
        "the new skin is pale pink, is that right?",
        "my foundation looks grey on the new skin",
        # The water of a bath or shower, not the patient.
        "can I take a bath yet? I usually keep it at 40 degrees",
        # Another person's symptom, the writer's own appointment still to come.
        "my son has a fever and chills, can I still come on Friday?",
        "my partner's eye swelled shut from a wasp sting, I'll be late for my appointment",
    ],
)
def test_look_alikes_of_spreading_redness_fever_and_swelling_are_no_alarm(detect, text):
    assert not detect(text).is_red_flag


def test_another_persons_symptom_counts_when_they_were_treated(detect):
    finding = detect("my son had his laser on Monday and has a fever now, I need to move my appointment")
    assert "fever" in finding.symptoms


@pytest.mark.parametrize(
    "text",
    [
        "the weepy part is moving down my neck, and I didn't have laser there",
        "my eye went blurry after the laser and hasnt come back",
    ],
)
def test_a_negated_word_that_only_qualifies_a_symptom_rules_nothing_out(detect, text):
    # "have" (of "have a temperature") or "come" (of "coming" blood) alone
    # name no symptom, so their negation clears nothing for the classifier.
    finding = detect(text)
    assert not finding.negated_symptoms and not finding.cleared


@pytest.mark.parametrize(
    "text, symptom",
    [
        # Colour that does not come back when pressed.
        (
            "when I press the dusky patch it doesn't go pale, it just stays that colour",
            "skin_turning_white_grey_or_black",
        ),
        # A negated word, then a new statement of the colour.
        ("there's a spot on my chin that's not pink anymore, it's white", "skin_turning_white_grey_or_black"),
        # Where the redness stopped, and how the skin was before, are no easing.
        ("the red stopped at my ear yesterday, today it goes down my neck", "spreading_redness"),
        ("the redness has gone past where the laser stopped", "spreading_redness"),
        ("his cheek is red and hot and it's moving down to his jaw, which was fine yesterday", "hot_redness"),
        ("it's a centimetre past the line I drew", "spreading_redness"),
        ("my face is hotter today than yesterday, day 5", "hot_redness"),
        # A question about treating what the patient has is a report.
        ("should I pop the blisters on my chin?", "blisters_or_cold_sores"),
        ("is it normal that ibuprofen does nothing for the pain?", "severe_pain"),
        ("can't get warm even under two duvets, had the laser on Monday", "fever"),
        ("feel like I've got flu, day 2 after the laser", "fever"),
        ("white creamy stuff coming out of the dots on my nose", "infection_pus_or_smell"),
        # An allergy told as history, a reaction told now.
        ("I'm allergic to penicillin, my throat feels tight", "allergic_reaction_or_breathing"),
        ("it was a 3 out of 10 yesterday, it's a 9/10 now", "severe_pain"),
        ("my cheek just bleeds and bleeds", "bleeding"),
        ("seeing halos around lights since the laser near my eyes", "vision_change"),
        ("it hurts to look at the light since yesterday", "vision_change"),
        ("my cheeks are throbbing so much I can't eat, it was much better yesterday", "severe_pain"),
        ("the pain was getting better until yesterday, now it's back and worse than before", "severe_pain"),
        ("still bleeding on day 3, I thought it would have stopped by now", "bleeding"),
        ("it's not a few spots, it's bleeding steadily", "bleeding"),
        ("is it normal to feel shivery after the laser? started this evening", "fever"),
        ("achy all over, hot then cold, day 2 after the laser", "fever"),
        # Someone who only looked at the patient's skin.
        (
            "my neighbour is a nurse, she had a look and said the redness is going beyond the treated area",
            "spreading_redness",
        ),
        ("I pressed the dark patch and it stayed dark", "skin_turning_white_grey_or_black"),
        ("the red on my wrist is going up my arm", "spreading_redness"),
        # A test patch is a treatment had, even with the full one booked.
        (
            "I'm booked for the 14th, but the test patch spot has gone black",
            "skin_turning_white_grey_or_black",
        ),
        ("the pain is no better with co-codamol", "severe_pain"),
        ("the burning is stronger than ever on day 5", "severe_pain"),
        ("I held a flannel on it for 20 minutes and it starts again as soon as I lift it", "bleeding"),
        ("the scab is slimy and won't dry", "infection_pus_or_smell"),
        ("his hand is red up to the elbow and warm", "spreading_redness"),
        ("my pain went from a 3 on day 2 to a 7 on day 5", "severe_pain"),
        ("on a scale of 1 to 10 it's a 9 now", "severe_pain"),
    ],
)
def test_more_signs_in_everyday_words_are_found(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "the ache isn't going away",
        "the redness is not getting any better, day 6",
    ],
)
def test_a_symptom_that_does_not_go_away_is_not_ruled_out(detect, text):
    finding = detect(text)
    assert not finding.negated_symptoms and not finding.cleared


@pytest.mark.parametrize(
    "text",
    [
        "the chills I had on day 1 are long gone",
        "I had chills the night of the laser, they went after I slept and haven't come back",
        "tiny specks of blood on the pillow the first morning",
        "our cat has a temperature so I need to move my appointment",
        "my little girl has 38.9, can I move my consult to next week?",
        "that quote gave me chills",
        "had a fever dream about my results",
        "the repair cream dries a bit grey on my cheeks",
        "my son's nose bleeds when he plays rugby, can he come with me?",
        "the red on my neck has faded to pink",
        "redness is fading from the outside in",
        "it's much less red and getting paler every day",
        "in the car mirror my face looks grey but in the bathroom it's pink",
        "I read a horror story online about someone's face going black",
        "my face goes a bit pink when I'm cold outside",
        # The writer says it has nothing to do with the treatment.
        "cut my finger chopping onions and it bled loads, nowhere near the laser area",
        "my pulse was 101 after running up the stairs",
        "I thought I saw pus but it was just the repair cream",
        "thought a cold sore was coming on but it never appeared",
        "just a few flecks of blood on the pillow from day 1",
        # A new statement does not undo a negated last word.
        "the redness isn't spreading and it's not hot, it's just pink",
    ],
)
def test_more_look_alikes_are_no_alarm(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text, symptom",
    [
        # A reading with a decimal above the threshold was taken, even asked about.
        ("can laser cause a fever of 38.9 on day 2 or is that something else?", "fever"),
        # Gone somewhere, not gone away.
        (
            "the red area is so much bigger, it's gone right down past my jaw onto my neck",
            "spreading_redness",
        ),
        # Over before now is not over now.
        ("day 3, why is it bleeding again? it had stopped and now its running", "bleeding"),
        # New since the treatment, not history.
        (
            "my eyesight is fuzzy, I have to squint to read my phone and I didn't before the laser",
            "vision_change",
        ),
        # A question about the patient's own body is a report.
        (
            "should my lips be swelling more and more after the numbing cream?",
            "allergic_reaction_or_breathing",
        ),
        ("should the stuff coming out of my face be green?", "infection_pus_or_smell"),
        ("is it normal if I have rash on whole body and itchy after laser?", "allergic_hives"),
        # "it" carries the symptom named just before into the next clause.
        (
            "the burning was meant to go after a day or two, but it's day 5 and it's stronger than ever",
            "severe_pain",
        ),
        ("the redness was fading but now it's spreading onto my neck", "spreading_redness"),
        (
            "the red is reaching my hairline and ear, hot, i did not get these areas treated",
            "spreading_redness",
        ),
        ("scale of 1 to 10 its a 10 and climbing, laser was saturday", "severe_pain"),
    ],
)
def test_readings_of_the_seventh_blind_round_find_the_sign(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "if I get a temperature of 38.5 what do I do?",
        "does it hurt like mad or is it ok, scared lol",
        "none of: fever, chills, pus, smell, spreading redness. Just a question about vitamin C",
        "the fever I had last weekend has completely gone and I feel like myself again",
        "my mum (not me) has a high temperature, I need to cancel",
        "my mum has a high temperature from a water infection, I need to cancel so I can look after her",
        "saw a TikTok where someone's face was oozing pus after a laser, I'm terrified now, is that real?",
        "my colleague says his skin went black from a laser in the 90s",
        "husband says my snoring sounds like wheezing lol, what time is my appointment",
        "my phone screen is cracked and the ink is bleeding everywhere",
        "the heat is on at work, big deadline friday",
        "all the blood, sweat and tears I put into saving for this treatment!",
        # "it" does not reach across a sentence, nor carry a negated symptom.
        "the pinpoint bleeding spots from yesterday are now tiny dark crusts. will they come off on their own",
        "the peeling isn't bleeding or oozing, it's just dry skin. is it ok to let it come off on its own?",
    ],
)
def test_look_alikes_of_the_seventh_blind_round_are_no_alarm(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text, symptom",
    [
        # A bare answer after a question makes the question a report.
        ("would it matter if i had cold sores spreading? i do", "blisters_or_cold_sores"),
        ("if the pain got worse instead of better would that be bad? because it is, day 4", "severe_pain"),
        ("how common are cold sores after laser? ive just got 3 on my lip", "blisters_or_cold_sores"),
        # "it" opening the next sentence carries the symptom just named.
        ("That raw bit I told you about. It's the size of a coin now.", "wound_getting_bigger"),
        ("It's hotter. It's redder. It's bigger. Day 5.", "spreading_redness"),
        # "back in" dates only before a time.
        ("I pressed on it and it stayed white, didn't fill back in", "skin_turning_white_grey_or_black"),
        ("my eyeball feels like it's been scratched", "vision_change"),
        ("its gettin redder not less red and my jaw is hot af", "hot_redness"),
        ("its gone all blackish and leathery on one side of my neck", "skin_turning_white_grey_or_black"),
    ],
)
def test_readings_of_the_eighth_blind_round_find_the_sign(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "could I get blisters from it? I have a wedding next month",
        "Pain is so much better than day 1, barely need paracetamol now",
        "Compared with the photo from day 1, I'm much less puffy under the eyes now",
        "my friend had her laser done somewhere else and said it left a grey patch, is your laser safer?",
        "My boss was red hot with rage today",
        "Reading the reviews made my blood run cold",
        "This price has me breaking out in a cold sweat haha",
        "The itchy hives I got from the plaster on my arm went in an hour, no problems since",
        "I had cold sores back in 2019",
        "My husband has conjunctivitis, should I keep away from him while I recover?",
        "Day 1 there were tiny pinpricks of blood, which dried up by the next day. "
        "Now it's day 3, and there are little dot scabs everywhere in a sort of grid.",
    ],
)
def test_look_alikes_of_the_eighth_blind_round_are_no_alarm(detect, text):
    assert not detect(text).is_red_flag


def test_a_negated_it_rules_nothing_out(detect):
    assert not detect("my chin looks bruised and dark and I haven't knocked it").cleared


@pytest.mark.parametrize(
    "text",
    [
        "would 38.5 count as a fever?",
        "can you have an allergic reaction to the numbing cream",
        "what kind of pain is too much after the laser",
        "what colour ooze is ok and what colour isnt",
        "let's say i get a temperature after, do i call you or 111?",
        "A little clear ooze on my pillowcase this morning, no colour, no smell.",
        "A little pinprick of blood came up when I cleansed, I dabbed it once and it was gone",
        "I saw a reel where someone's lips blew up after filler, does laser do that?",
        "My flatmate has a cold and can't breathe through her nose, will that matter for me?",
        "swelling round my eyes is down, I can wear my glasses comfortably again",
    ],
)
def test_questions_and_look_alikes_of_the_eighth_round_are_no_alarm(detect, text):
    assert not detect(text).is_red_flag


def test_a_reading_asked_about_is_a_report_once_answered(detect):
    assert "fever" in detect("is 38.1 a fever? because thats what i've got now on day 4").symptoms


def test_a_bare_answer_may_end_on_its_object(detect):
    assert (
        "blisters_or_cold_sores"
        in detect("what would blisters on the lip mean? ive got them, had my laser on friday").symptoms
    )
    assert not detect("can it cause blisters? i have it booked for friday").is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "pain score was a 3 on day 2, tonight (day 6) it's a 9",
        "Monday 2/10, Tuesday 4/10, Wednesday 8/10",
        "my pain went 1, 3, 5, 7 over four days",
        "the pain has jumped from 3 out of 10 to 6 out of 10 since this morning",
        "is a pain of 8/10 ok on day 5?",
    ],
)
def test_a_high_or_steeply_rising_pain_score_is_severe_pain(detect, text):
    assert "severe_pain" in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "itchiness is 9/10 but pain is only 1/10",
        "pain was 9/10 the first night and it's 2/10 now",
        "pain 2/10 today, easier than yesterday which was a 5",
        "would you say it's 7/10 pain during the treatment?",
        "I'd rate my results 10/10, hardly any pain",
        "pain is a 3 at 9 in the evening, fine in the day",
        "day 3, pain about a 4, is that normal?",
    ],
)
def test_low_falling_or_other_scores_are_not_severe_pain(detect, text):
    assert "severe_pain" not in detect(text).symptoms


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("I feel fine apart from my temp, 38.6, is that ok?", "fever"),
        ("the redness is hot and spreading to my neck but I feel fine in myself", "spreading_redness"),
        ("my eyelids are swollen shut, probably fine though?", "eye_swelling"),
        ("the pain is unbearable today. yesterday was fine", "severe_pain"),
        ("why is my cheek so painful on day 5? it was fine on day 2", "severe_pain"),
    ],
)
def test_well_in_part_or_well_before_is_no_easing(detect, text, symptom):
    assert symptom in detect(text).symptoms


def test_well_after_a_past_symptom_is_still_easing(detect):
    assert not detect("had a temperature of 38.4 on sunday, was fine yesterday").is_red_flag


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("it's more painful on day 6 than it was on day 2", "severe_pain"),
        ("I'm maxing out the painkillers now and it's day 5", "severe_pain"),
        ("is it normal for the pain to be climbing on day 5? it was almost gone on day 3", "severe_pain"),
        ("my cheek is redder and hotter on day 6 than on day 2", "hot_redness"),
        ("my chin started bleeding again, it's stopped and started all afternoon", "bleeding"),
        ("the red patch on my left cheek is hot and spreading, the other side is fine", "spreading_redness"),
    ],
)
def test_a_course_that_goes_the_wrong_way_is_a_report(detect, text, symptom):
    assert symptom in detect(text).symptoms


@pytest.mark.parametrize(
    "text",
    [
        "is the laser more painful than microneedling?",
        "my face was more sore yesterday than today",
        "it bled a little on day 1 and it's stopped now",
    ],
)
def test_comparisons_before_treatment_or_towards_better_are_no_alarm(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "a bit puffy around the eyes this morning, day 2",
        "my eyelids are slightly swollen, day 1, probably nothing",
    ],
)
def test_any_swelling_near_the_eyes_is_urgent_as_the_clinic_says(detect, text):
    # clinic/faqs/side_effects.yml: "Call us at once if you get ... swelling near the eyes".
    assert "eye_swelling" in detect(text).symptoms


def test_eye_swelling_that_has_gone_is_still_over(detect):
    assert not detect("my eyes were a bit puffy on day 1 but that went by lunchtime").is_red_flag


def test_the_marks_of_normal_healing_set_against_a_report_are_no_denied_symptom(detect):
    contrasted = detect("a hard black patch on my chin, not like the tiny dots")
    assert not any(m.status == NEGATED for m in contrasted.mentions)
    # A plain list of absent marks is still a negation.
    assert detect("no blisters, no dots, no pus").negated_symptoms


@pytest.mark.parametrize(
    "text",
    [
        "38.5c day 2 no idea if thats normal after laser??",  # a unit, then a day
        "is 101 ok on day 5? face still a bit red too",  # a bare Fahrenheit reading
        "102 this morning, lasered on monday",
        "it's 38 now and it was 37.2 yesterday",  # a bare number beside a reading
        "pain went down by day 3 then came back stronger on day 5",  # a clause with no subject
        "there is pus coming out of my cheek, never seen anything like it in my life",  # new, not history
        "my face is grey on one side, never had that before in my life",
    ],
)
def test_readings_and_courses_told_loosely_are_reports(detect, text):
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "My partner is 6ft 1 and 101kg, will the numbing cream still work for him?",
        "I have 101 questions lol",
        "how much does it cost? (101)",  # a numbered line, not a reading
        "99.4, that's under 100.4 so I'm ok right?",  # a bound, not a reading
        "my temp is 37.9 exactly, not 38, does that count?",
        "Temp back down to 37.0 after the paracetamol, it never got to 38",
        "what temperature counts as a fever after laser, 37.5 or 38?",  # a choice
        "had a temperature of 38.1 on day 1 but it was back to 36.8 by the next morning",
        "Temperature went to 38.2 once on day 1, it hasn't been above 37 since",
        "had a bit of a temp 2 days ago, 38.3, it's been completely normal for 48 hours",
        "the pain isn't getting worse, it's better every day",
        "I have never had a cold sore in my life",
    ],
)
def test_bounds_settled_readings_and_easing_are_no_reports(detect, text):
    assert not detect(text).is_red_flag


def test_a_baseline_is_no_reading(detect):
    # "normal for me is 98" would otherwise be the latest reading and settle the fever
    assert detect("reading 100.8F after my laser on tues, normal for me is 98").is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "The nurse asked me to report any pus, fever or bleeding. I have none of those. Skin just feels tight.",
        "pus, fever, spreading redness: I've got none of those, thank god",
        "would I need to come in if I got a temperature of 38?",  # a round number in a condition
        "If I have a temp of 100.4 after the laser, is that a problem?",
        "My wife is running a fever of 38.9 with a chest infection. I'm due for my second session on Friday.",
        "My dad's been feverish with Covid this week, so I'm keeping away from him. I'm on day 2 with my laser",
    ],
)
def test_lists_denied_after_conditions_and_other_peoples_illness_are_no_reports(detect, text):
    assert not detect(text).is_red_flag


@pytest.mark.parametrize(
    "text",
    [
        "my lips are swelling, none of the creams help",
        "Can you tell me if 100.4 counts as a fever? Because that's exactly what mine says, day 3",
        "is it ok if my temperature is 38 tonight",
        "my wife had the laser on monday and her lips are swelling up, I'm on day 2 of mine",
    ],
)
def test_what_only_looks_denied_conditional_or_someone_elses_is_still_a_report(detect, text):
    assert detect(text).is_red_flag


@pytest.mark.parametrize(
    "text, urgent",
    [
        ("my sister's lips swelled up after fillers once, can that happen with the laser?", False),
        ("my husband had laser 2 days ago, his lips swelled up an hour ago", True),
        ("my friend had the laser elsewhere and got an infection", False),
        (
            "my brother's eye got swollen from a bee sting yesterday, can he still have his laser next month",
            False,
        ),
        ("there is some oozing, see-through with a slight straw tint, thin and no smell. day 1", False),
        ("the oozing was watery but now it is thick and yellow", True),
        ("skin looks a bit grey and dull as it peels, then fresh pink underneath", False),
    ],
)
def test_stories_treated_relatives_and_watery_fluid(detect, text, urgent):
    assert detect(text).is_red_flag is urgent


@pytest.mark.parametrize(
    "text, urgent",
    [
        # a scheduling "fine" says nothing of the symptom before it
        (
            "can we move my mum's appointment? she has chills and a temp of 38.8. any day next week is fine",
            True,
        ),
        ("had a fever on tuesday, fine now", False),
        ("the redness is worse day after day, day 7 today", True),
        ("got hives once from a washing powder yrs ago, gone now, do I need to say?", False),
        ("my nurse mentioned watching for blisters, what do they look like", False),
        ("at what point should I worry about the oozing", False),
        ("how much bleeding is too much? I'm having it on thursday", False),
        ("the pain of paying for this is worse than the laser", False),
        ("the pain in my cheek is worse than the laser itself and getting worse", True),
    ],
)
def test_scheduling_words_watch_for_questions_and_the_cost(detect, text, urgent):
    assert detect(text).is_red_flag is urgent


@pytest.mark.parametrize(
    "text, urgent",
    [
        ("patch gone dark n hard n feels like its not even my skin, no feeling at all", True),
        ("not dark and no feeling", False),
        ("the dark patch isn't numb, I can feel it fine", False),
    ],
)
def test_a_term_that_is_itself_a_negation_is_not_undone_by_another(detect, text, urgent):
    assert detect(text).is_red_flag is urgent


@pytest.mark.parametrize(
    "text, urgent",
    [
        ("37.9 — thats under the 38 line isnt it? day 2 after laser", False),
        ("is 37.5 a fever or is it only from 38?", False),
        ("My reading was 37.9 degrees. I understand the fever threshold is 38. Just reporting it.", False),
        ("my temp hit the 38 mark tonight, day 2", True),
        ("thermometer says 38, day 3", True),
        # "from 38" is no clock time that says when it ended
        ("it went from 38 to 39.2 tonight", True),
    ],
)
def test_the_threshold_named_is_no_reading(detect, text, urgent):
    assert detect(text).is_red_flag is urgent


@pytest.mark.parametrize(
    "text, urgent",
    [
        ("pen mark i made at 8am round the red, its already outside it by lunchtime", True),
        ("is it normal for the red to get to your ear? it started just on my cheek", True),
        ("the scab is dark and the skin around it is purple", True),
        # a question about easing says nothing is over
        (
            "I had a few blisters come up yesterday that have now popped and are weeping. "
            "Will the wrinkles keep improving after the first month?",
            True,
        ),
        ("I had a fever last week from a cold but I'm over it, is my laser still ok on the 20th?", False),
        ("my face is burning like sunburn, day 1, can I use a cold compress", False),
        ("red and hot for 2 days, now pink and cool, loving it", False),
        ("can I wear my grey sweater, it's wool and a bit scratchy round the neck", False),
        ("I'm hot-blooded and sweat loads, will that matter at the gym after day 7", False),
        ("i cut my finger chopping onions and it bled everywhere, can I still apply the cream", False),
        ("how would a patient know they have a fever if they don't own a thermometer?", False),
        ("at any point in the healing, is it normal to see pus?", False),
        (
            "The red looks worse in the bathroom mirror than in daylight, outside it's just pink and fading",
            False,
        ),
    ],
)
def test_dev_set_26_landmarks_questions_about_easing_and_everyday_colours(detect, text, urgent):
    assert detect(text).is_red_flag is urgent

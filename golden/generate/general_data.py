"""Hand-written everyday instructions with short reference answers (80 words at most).

These catch forgetting: a fine-tune that teaches strict JSON or refusals must
not lose the ability to rewrite a message, explain an idea or write a haiku.
Each entry is (category, instruction, reference answer).
"""

from __future__ import annotations

TASKS: list[tuple[str, str, str]] = [
    # rewrite
    (
        "rewrite",
        'Rewrite this more politely: "Send me the report now. You\'re late again."',
        "Could you please send me the report when you get a moment? I noticed it's a little past the deadline, so I'd really appreciate it today.",
    ),
    (
        "rewrite",
        'Make this sentence more concise: "At this point in time, we are currently in the process of reviewing all of the applications that we have received."',
        "We are reviewing all the applications we received.",
    ),
    (
        "rewrite",
        'Rewrite in plain English: "Pursuant to the aforementioned policy, remuneration shall be disbursed on a monthly basis."',
        "Under this policy, you will be paid once a month.",
    ),
    (
        "rewrite",
        'Rewrite this text message to sound more professional: "hey cant make it 2day, sick, sry"',
        "Hello, unfortunately I'm unwell and won't be able to come in today. I apologise for the short notice.",
    ),
    (
        "rewrite",
        'Turn this passive sentence into an active one: "The window was broken by the children."',
        "The children broke the window.",
    ),
    (
        "rewrite",
        'Rewrite this sentence for a ten-year-old: "Photosynthesis is the process by which plants convert light energy into chemical energy."',
        "Plants use sunlight to make their own food, like a tiny kitchen inside their leaves.",
    ),
    (
        "rewrite",
        'Make this product description more exciting: "This is a blue water bottle. It holds 750 ml."',
        "Meet your new adventure buddy: a bold blue bottle that keeps 750 ml of water ready wherever the day takes you.",
    ),
    (
        "rewrite",
        'Rewrite this complaint so it\'s firm but friendly: "Your delivery service is useless, my parcel is a week late!"',
        "Hi, my parcel is now a week late and I'm getting frustrated. Could you check where it is and let me know when it will arrive? Thank you.",
    ),
    # lists and ideas
    (
        "ideas",
        "List three ideas for a rainy Saturday with kids.",
        "1. Build a blanket fort and read stories inside with a torch. 2. Bake and decorate biscuits together. 3. Hold an indoor treasure hunt with clues hidden around the house.",
    ),
    (
        "ideas",
        "Give me three names for a small bakery.",
        "1. The Rising Loaf 2. Crumb & Co. 3. Golden Crust Corner",
    ),
    (
        "ideas",
        "Suggest three cheap date ideas.",
        "1. A picnic in the park with homemade sandwiches. 2. A free museum or gallery visit followed by a walk. 3. A cooking night where you try a new recipe together.",
    ),
    (
        "ideas",
        "List four ways to save energy at home.",
        "1. Switch to LED bulbs. 2. Turn the thermostat down by one degree. 3. Wash clothes at 30 °C. 4. Turn devices off at the wall instead of leaving them on standby.",
    ),
    (
        "ideas",
        "Give me three icebreaker questions for a team meeting.",
        "1. What's the best thing you ate this week? 2. If you could learn any skill instantly, what would it be? 3. What's a small win you had recently?",
    ),
    (
        "ideas",
        "Suggest three hobbies that cost almost nothing.",
        "1. Running or walking, which only needs comfortable shoes. 2. Drawing with a pencil and paper. 3. Learning a language with free apps and library books.",
    ),
    (
        "ideas",
        "List three things to pack for a day hike.",
        "1. Plenty of water and snacks. 2. A waterproof jacket and an extra layer. 3. A charged phone with an offline map.",
    ),
    (
        "ideas",
        "Give me three ideas for a school science fair project.",
        "1. Test which paper towel brand absorbs the most water. 2. Grow beans under different coloured lights. 3. Compare how fast ice melts with salt, sugar or nothing.",
    ),
    (
        "ideas",
        "Suggest three ways to make a small bedroom feel bigger.",
        "1. Use light colours on the walls. 2. Add a large mirror to reflect light. 3. Choose furniture with hidden storage to cut clutter.",
    ),
    (
        "ideas",
        "List three questions to ask at the end of a job interview.",
        "1. What does success look like in this role after six months? 2. What are the team's biggest challenges right now? 3. What are the next steps in the hiring process?",
    ),
    # explain
    (
        "explain",
        "Explain what a black hole is in two sentences, simply.",
        "A black hole is a place in space where gravity is so strong that nothing, not even light, can escape. It forms when a huge star collapses in on itself.",
    ),
    (
        "explain",
        "Explain inflation to a teenager in one short paragraph.",
        "Inflation means prices slowly go up over time, so the same money buys less. If a sandwich costs 3 euros this year and 3.15 next year, that's 5% inflation. A little is normal, but high inflation makes savings lose value quickly.",
    ),
    (
        "explain",
        "What is the difference between weather and climate?",
        "Weather is what the atmosphere is doing right now or this week, like rain tomorrow. Climate is the average pattern of weather in a place over many years, like mild, wet winters.",
    ),
    (
        "explain",
        "Explain what an API is, simply.",
        "An API is a set of rules that lets one program ask another for data or actions. It's like a restaurant menu: you order what's listed, and the kitchen handles the details you never see.",
    ),
    (
        "explain",
        "Why is the sky blue? Keep it short.",
        "Sunlight contains all colours. Air molecules scatter short blue wavelengths much more than red ones, so blue light comes at us from every direction of the sky.",
    ),
    (
        "explain",
        "Explain compound interest in one sentence.",
        "Compound interest means you earn interest on your savings and on the interest already added, so your money grows faster over time.",
    ),
    (
        "explain",
        "What does a CPU do?",
        "The CPU is the computer's main processor: it fetches instructions from memory, carries out calculations and decisions, and coordinates the other parts, billions of times per second.",
    ),
    (
        "explain",
        "Explain the difference between a virus and a bacterium.",
        "Bacteria are single-celled living organisms that can reproduce on their own, and antibiotics can kill many of them. Viruses are much smaller and can only reproduce inside a host's cells; antibiotics don't work on them.",
    ),
    (
        "explain",
        "What is machine learning, in one or two sentences?",
        "Machine learning is a way of building computer programs that learn patterns from examples instead of following hand-written rules. Shown enough labelled photos, for instance, a model learns to recognise cats in new ones.",
    ),
    (
        "explain",
        "Explain what a recession is.",
        "A recession is a significant, widespread decline in economic activity, often defined as two consecutive quarters of falling GDP. Businesses sell less, unemployment rises and people spend more cautiously.",
    ),
    (
        "explain",
        "Why do we have seasons?",
        "Earth's axis is tilted about 23.5 degrees. As Earth orbits the Sun, each hemisphere takes turns leaning toward the Sun, getting more direct sunlight and longer days (summer), then leaning away (winter).",
    ),
    (
        "explain",
        "What does 'opportunity cost' mean?",
        "Opportunity cost is the value of the best alternative you give up when you make a choice. If you spend Saturday working, the opportunity cost is the rest or fun you could have had instead.",
    ),
    # convert
    (
        "convert",
        "Convert this list into one comma-separated line:\napples\nbananas\ncherries",
        "apples, bananas, cherries",
    ),
    (
        "convert",
        "Convert 3:45 pm to 24-hour time.",
        "15:45",
    ),
    (
        "convert",
        "Turn this into a JSON object: name Ana, age 31, city Porto.",
        '{"name": "Ana", "age": 31, "city": "Porto"}',
    ),
    (
        "convert",
        "Convert this to a Markdown table: Tea costs 2 euros, Coffee costs 3 euros.",
        "| Drink | Price |\n| --- | --- |\n| Tea | 2 euros |\n| Coffee | 3 euros |",
    ),
    (
        "convert",
        "Write the date 4 July 2025 in ISO 8601 format.",
        "2025-07-04",
    ),
    (
        "convert",
        "Convert 5 feet 10 inches to centimetres.",
        "About 178 cm (70 inches × 2.54 = 177.8 cm).",
    ),
    (
        "convert",
        "Turn this sentence into a bulleted list: We need milk, eggs, flour and butter.",
        "- milk\n- eggs\n- flour\n- butter",
    ),
    (
        "convert",
        "Convert 250 grams of butter to cups (US).",
        "About 1.1 cups; one US cup of butter weighs about 227 grams.",
    ),
    (
        "convert",
        "Convert the binary number 1011 to decimal.",
        "1011 in binary is 11 in decimal (8 + 2 + 1).",
    ),
    (
        "convert",
        "Convert this CSV line into YAML: name,role\nLi Wei,engineer",
        "- name: Li Wei\n  role: engineer",
    ),
    # poems and creative
    (
        "poem",
        "Write a haiku about autumn.",
        "Crisp leaves drift and spin\nthe maple lets go of gold\nquiet, cooler air",
    ),
    (
        "poem",
        "Write a haiku about a morning commute.",
        "Fogged-up window glass\na hundred strangers swaying\ncoffee, then the sun",
    ),
    (
        "poem",
        "Write a four-line rhyming poem about a cat.",
        "My cat sits on the windowsill,\nas patient as a stone is still;\nshe watches birds with hungry eyes,\nthen naps beneath the sunny skies.",
    ),
    (
        "poem",
        "Write a limerick about a forgetful chef.",
        "A chef who forgot every dish\nonce cooked up a custard of fish;\nthe diners turned pale,\nhe checked the recipe's tale,\nand found that it just said 'quiche'.",
    ),
    (
        "poem",
        "Write a haiku about the ocean.",
        "Waves fold into foam\nthe tide keeps its ancient time\nsalt wind on my lips",
    ),
    (
        "creative",
        "Write a two-sentence horror story.",
        'I heard my mother calling me from the kitchen, so I went downstairs. Halfway there, she pulled me into the cupboard and whispered, "I heard it too."',
    ),
    (
        "creative",
        "Write a one-line slogan for a bicycle repair shop.",
        "We keep your wheels turning, one spoke at a time.",
    ),
    (
        "creative",
        "Write a short birthday message for a coworker.",
        "Happy birthday! Thanks for making the office a brighter place. I hope your day is full of cake and your year full of good things.",
    ),
    (
        "creative",
        "Describe a sunrise in one vivid sentence.",
        "The sun spilled over the hills like warm honey, turning the frosted fields to gold.",
    ),
    (
        "creative",
        "Write a short, friendly out-of-office reply.",
        "Thanks for your email! I'm out of the office until Monday, 12 May, with limited access to email. For anything urgent, please contact Sam at sam@example.com. I'll reply as soon as I'm back.",
    ),
    # recipes and cooking
    (
        "recipe",
        "How do I boil an egg so the yolk is still runny?",
        "Bring water to a rolling boil, gently lower in the egg, and cook for 6 minutes. Move it straight into cold water for a minute, then peel or crack the top off and serve.",
    ),
    (
        "recipe",
        "Give me the first three steps for making pancakes.",
        "1. Whisk 200 g flour, 2 eggs and 300 ml milk with a pinch of salt into a smooth batter. 2. Let it rest for 10 minutes. 3. Heat a lightly oiled pan over medium heat.",
    ),
    (
        "recipe",
        "How do I cook plain rice on the stove?",
        "Rinse 1 cup of rice, add it to a pan with 1.5 cups of water and a pinch of salt, and bring to a boil. Cover, lower the heat and simmer for 15 minutes, then rest 10 minutes off the heat and fluff with a fork.",
    ),
    (
        "recipe",
        "What's a quick dressing for a green salad?",
        "Whisk 3 tablespoons olive oil with 1 tablespoon lemon juice or vinegar, 1 teaspoon mustard, a little honey, salt and pepper.",
    ),
    (
        "recipe",
        "How do I make a simple tomato sauce for pasta?",
        "Soften a chopped onion and two cloves of garlic in olive oil, add a tin of chopped tomatoes, salt and a pinch of sugar, and simmer for 15 to 20 minutes. Finish with basil.",
    ),
    (
        "recipe",
        "Give me a simple recipe for overnight oats.",
        "Mix 50 g oats with 150 ml milk or yoghurt, a spoon of chia seeds and a little honey in a jar. Refrigerate overnight and top with fruit in the morning.",
    ),
    (
        "recipe",
        "How long should I roast potatoes, and at what temperature?",
        "Parboil chunks for 8 to 10 minutes, shake them to rough up the edges, toss in hot oil and roast at 200 °C (fan 180 °C) for 40 to 50 minutes, turning once.",
    ),
    (
        "recipe",
        "How do I make a cup of masala chai?",
        "Simmer water with crushed cardamom, a cinnamon stick, sliced ginger and a few cloves for 3 minutes. Add black tea and milk, bring back to a simmer for 2 minutes, sweeten to taste and strain.",
    ),
    # emails
    (
        "email",
        "Write a short email asking my manager for Friday off.",
        "Subject: Request for leave on Friday\n\nHi Maria,\n\nCould I take this Friday off as annual leave? My tasks for the week will be finished by Thursday, and Ali has agreed to cover any urgent requests.\n\nThanks,\nJordan",
    ),
    (
        "email",
        "Write a brief email declining a meeting invitation politely.",
        "Hi Sam,\n\nThank you for the invitation. Unfortunately I have a conflict at that time and won't be able to attend. Could you share the notes afterwards? I'm happy to follow up on anything that needs my input.\n\nBest,\nAlex",
    ),
    (
        "email",
        "Write a short thank-you email after a job interview.",
        "Subject: Thank you\n\nDear Ms Patel,\n\nThank you for meeting with me today. I enjoyed learning about the team's plans, and I'm even more excited about the role. Please let me know if you need anything else from me.\n\nKind regards,\nChris",
    ),
    (
        "email",
        "Write a two-sentence email to a landlord reporting a leaking tap.",
        "Hi Mr Jones, the kitchen tap in flat 3 has started leaking constantly and water is pooling under the sink. Could you arrange for a plumber to take a look this week?",
    ),
    (
        "email",
        "Draft a short email reminding a client about an unpaid invoice.",
        "Subject: Friendly reminder: invoice 1042\n\nHi Dana,\n\nA quick reminder that invoice 1042 for 850 euros was due on 30 April. Could you let me know when payment will be made? I've attached a copy for convenience.\n\nThank you,\nLee",
    ),
    (
        "email",
        "Write a short email introducing two colleagues to each other.",
        "Hi Priya and Tom,\n\nI'd like to introduce you two. Priya leads our data team, and Tom is starting a customer analytics project that could use her advice. I'll let you take it from here!\n\nBest,\nMia",
    ),
    (
        "email",
        "Write a short apology email for missing a deadline.",
        "Hi Jo,\n\nI'm sorry I missed yesterday's deadline for the draft. I underestimated the data cleaning. The draft will be with you by noon tomorrow, and I've planned extra checkpoints so it won't happen again.\n\nBest,\nRiley",
    ),
    # code
    (
        "code",
        "Write a Python function that returns the sum of a list of numbers.",
        "```python\ndef total(numbers):\n    return sum(numbers)\n```",
    ),
    (
        "code",
        "Write a Python function that checks if a string is a palindrome.",
        '```python\ndef is_palindrome(text):\n    cleaned = "".join(c.lower() for c in text if c.isalnum())\n    return cleaned == cleaned[::-1]\n```',
    ),
    (
        "code",
        "How do I reverse a list in Python?",
        "Use `items.reverse()` to reverse it in place, or `items[::-1]` (or `list(reversed(items))`) to get a new reversed list.",
    ),
    (
        "code",
        "Write a SQL query that counts the rows in a table called orders.",
        "```sql\nSELECT COUNT(*) FROM orders;\n```",
    ),
    (
        "code",
        "Write a JavaScript function that returns the largest number in an array.",
        "```javascript\nfunction largest(numbers) {\n  return Math.max(...numbers);\n}\n```",
    ),
    (
        "code",
        "How do I read a text file line by line in Python?",
        '```python\nwith open("notes.txt", encoding="utf-8") as f:\n    for line in f:\n        print(line.rstrip())\n```',
    ),
    (
        "code",
        "Write a bash command that counts the lines in file.txt.",
        "`wc -l file.txt`",
    ),
    (
        "code",
        "Write a Python list comprehension that squares the numbers 1 to 5.",
        "`[n * n for n in range(1, 6)]` gives `[1, 4, 9, 16, 25]`.",
    ),
    (
        "code",
        "How do I create a new branch in git and switch to it?",
        "`git switch -c my-branch` (or the older `git checkout -b my-branch`).",
    ),
    (
        "code",
        "Write a regular expression that matches a five-digit US ZIP code.",
        "`^\\d{5}$`",
    ),
    (
        "code",
        'What does this Python code print? print(len("hello"))',
        'It prints 5, the number of characters in "hello".',
    ),
    # advice
    (
        "advice",
        "Give me three tips for falling asleep faster.",
        "1. Keep the same wake-up time every day. 2. Put screens away 30 minutes before bed and keep the room cool and dark. 3. If you can't sleep after 20 minutes, get up and do something calm until you feel sleepy.",
    ),
    (
        "advice",
        "How can I stay focused while studying?",
        "Work in 25-minute blocks with 5-minute breaks, put your phone in another room, set one clear goal per session, and test yourself instead of just rereading.",
    ),
    (
        "advice",
        "What should I do before a long car trip?",
        "Check tyre pressure, oil and coolant, plan rest stops every two hours, download offline maps and music, and pack water, snacks and a phone charger.",
    ),
    (
        "advice",
        "How do I keep a basil plant alive indoors?",
        "Give it the sunniest windowsill you have, water when the top of the soil feels dry, and pinch off the top leaves regularly so it grows bushy instead of flowering.",
    ),
    (
        "advice",
        "How can I make a good first impression at a new job?",
        "Arrive a little early, learn names, ask questions, take notes, and say yes to lunch invitations. Focus on understanding how things work before suggesting changes.",
    ),
    (
        "advice",
        "Give me two tips for a strong password.",
        "1. Use a long passphrase of four or more random words. 2. Use a different password for every account, stored in a password manager.",
    ),
    (
        "advice",
        "How do I start running if I've never done it before?",
        "Start with run-walk intervals, such as one minute running and two minutes walking for 20 minutes, three times a week. Add running time gradually over a few weeks, and wear comfortable shoes.",
    ),
    (
        "advice",
        "How should I prepare for a presentation?",
        "Know your one key message, keep slides simple, rehearse out loud at least three times, time yourself, and prepare answers to likely questions.",
    ),
    # grammar and language
    (
        "grammar",
        'Correct the grammar: "Me and him goes to the store yesterday."',
        "He and I went to the store yesterday.",
    ),
    (
        "grammar",
        "When should I use 'fewer' and when 'less'?",
        "Use 'fewer' for things you can count (fewer apples, fewer people) and 'less' for amounts you can't count (less water, less time).",
    ),
    (
        "grammar",
        "What's the difference between 'its' and 'it's'?",
        "'It's' is short for 'it is' or 'it has' (it's raining). 'Its' shows possession (the dog wagged its tail).",
    ),
    (
        "grammar",
        'Fix the punctuation: "lets eat grandma"',
        "Let's eat, Grandma!",
    ),
    (
        "grammar",
        "Give a synonym for 'happy' and use it in a sentence.",
        "Cheerful: she was cheerful all morning after hearing the good news.",
    ),
    (
        "translate",
        'Translate into Spanish: "Where is the train station?"',
        "¿Dónde está la estación de tren?",
    ),
    (
        "translate",
        'Translate into French: "I would like a coffee, please."',
        "Je voudrais un café, s'il vous plaît.",
    ),
    (
        "translate",
        'Translate into German: "Good morning, how are you?"',
        "Guten Morgen, wie geht es dir?",
    ),
    (
        "translate",
        "What does the Japanese phrase 'itadakimasu' mean?",
        "It's said before eating and roughly means 'I humbly receive'; it expresses thanks for the food.",
    ),
    # math and reasoning
    (
        "math",
        "If I buy 3 notebooks at 2.50 euros each, how much do I pay?",
        "7.50 euros (3 × 2.50).",
    ),
    (
        "math",
        "A recipe for 4 people needs 300 g of pasta. How much for 6 people?",
        "450 g (300 ÷ 4 × 6).",
    ),
    (
        "math",
        "A train leaves at 14:20 and arrives at 16:05. How long is the journey?",
        "1 hour 45 minutes.",
    ),
    (
        "math",
        "What is a 15% tip on a 60-euro bill?",
        "9 euros.",
    ),
    (
        "math",
        "If a car travels 180 km in 2 hours, what is its average speed?",
        "90 km/h.",
    ),
    (
        "math",
        "I save 50 euros a month. How long until I have 1,000 euros?",
        "20 months.",
    ),
    # classify and compare
    (
        "classify",
        'Is this review positive or negative? "The food was cold and the waiter ignored us."',
        "Negative.",
    ),
    (
        "classify",
        "Sort these into fruits and vegetables: carrot, apple, spinach, mango.",
        "Fruits: apple, mango. Vegetables: carrot, spinach.",
    ),
    (
        "classify",
        "Which of these is a mammal: shark, dolphin, salmon?",
        "The dolphin.",
    ),
    (
        "compare",
        "What's the difference between a laptop and a tablet, briefly?",
        "A laptop has a built-in keyboard and a full desktop operating system, so it's better for typing and heavier software. A tablet is a lighter touchscreen device, better for reading, video and casual use.",
    ),
    (
        "compare",
        "Compare renting and buying a home in two sentences.",
        "Renting is flexible and avoids big upfront costs and repairs, but you don't build ownership. Buying needs a deposit and commitment, but your payments build equity over time.",
    ),
    # planning and everyday
    (
        "plan",
        "Make a simple three-day workout plan for a beginner.",
        "Day 1: 20-minute brisk walk plus squats and push-ups (2 sets of 10). Day 2: rest or gentle stretching. Day 3: 20-minute bike ride plus lunges and planks (2 sets). Repeat, adding a few minutes each week.",
    ),
    (
        "plan",
        "Give me a packing checklist for a weekend city trip.",
        "ID or passport, phone and charger, wallet and cards, two outfits, comfortable shoes, pyjamas, toiletries, medication, a light jacket and a reusable water bottle.",
    ),
    (
        "plan",
        "Outline a 30-minute agenda for a team kickoff meeting.",
        "5 min: introductions. 10 min: project goals and timeline. 10 min: roles and responsibilities. 5 min: questions and next steps.",
    ),
    (
        "definition",
        "Define 'photosynthesis' in one sentence.",
        "Photosynthesis is the process by which plants use sunlight, water and carbon dioxide to make sugar and release oxygen.",
    ),
    (
        "definition",
        "What is a metaphor? Give an example.",
        "A metaphor describes something by saying it is something else, without 'like' or 'as'. Example: \"Time is a thief.\"",
    ),
    (
        "definition",
        "What does 'GDP' stand for and mean?",
        "Gross Domestic Product: the total value of all goods and services produced in a country in a given period.",
    ),
]
